"""Removing quoted history and our "reply above this line" marker from replies."""

from __future__ import annotations

import re

# Past this, a reply is not read for quotes (hostile input must not cost minutes).
MAX_SCAN = 200_000
_HEADER_LINES = [
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.I | re.S),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.*:\s*$", re.I | re.S),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Message d'origine|Ursprüngliche Nachricht)\s*-{2,}", re.I
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*(From|De|Von)\s*:\s*.+$", re.I),
]
_OUTLOOK_FOLLOWERS = re.compile(r"^\s*(Sent|Date|Envoyé|Gesendet|To|À|An)\s*:", re.I)


def _is_header(lines: list[str], index: int) -> bool:
    line = lines[index]
    for number, pattern in enumerate(_HEADER_LINES):
        if pattern.match(line):
            if number == len(_HEADER_LINES) - 1:  # "From: …" only counts with Outlook's block
                return any(_OUTLOOK_FOLLOWERS.match(nxt) for nxt in lines[index + 1 : index + 4])
            return True
    # "On Mon, … John <john@x>" folded over two lines, "wrote:" on the second
    if index + 1 < len(lines) and re.match(r"^\s*(On|Le)\b", line, re.I):
        joined = f"{line} {lines[index + 1]}"
        return bool(_HEADER_LINES[0].match(joined) or _HEADER_LINES[1].match(joined))
    return False


def _before_marker(lines: list[str]) -> list[str]:
    """Everything above our "##- … -##" marker line, in any language."""
    for index, line in enumerate(lines):
        start = line.find("##-")
        if start != -1 and line.find("-##", start + 3) != -1:
            return lines[:index]
    return lines


def strip_quotes(text: str) -> tuple[str, bool]:
    """The new part of a reply, and whether anything was removed."""
    original = text.strip()
    if len(text) > MAX_SCAN:
        return original, False
    lines = _before_marker(text.rstrip().split("\n"))
    cut = len(lines)
    for index in range(len(lines)):
        if _is_header(lines, index):
            cut = index
            break
    lines = lines[:cut]
    # A trailing block of "> quoted" lines.
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    reply = "\n".join(lines).strip()
    if not reply:
        return original, False
    return reply, reply != original
