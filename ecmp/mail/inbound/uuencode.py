"""Files uuencoded into a text body ("begin 644 name" … "end"), as old tools still send."""

from __future__ import annotations

import binascii
import re

_BEGIN = re.compile(r"begin[ \t]+[0-7]{3,4}[ \t]+(\S[^\r\n]{0,254})")
MAX_FILES = 20


def decode_lines(lines: list[str]) -> bytes:
    """uudecoded bytes; a damaged line gives what can be read of it."""
    out = bytearray()
    for line in lines:
        line = line.rstrip("\r\n")
        if not line or line in ("`", " "):
            continue
        try:
            out += binascii.a2b_uu(line)
        except (binascii.Error, ValueError):  # ValueError: a non-ASCII line
            # Some encoders pad lines wrongly: read only the bytes the length promises.
            size = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(line[:size])
            except (binascii.Error, ValueError):
                continue
    return bytes(out)


def extract(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The text without its uuencoded blocks, and the files they held.

    One pass over the lines: a "begin" never closed by "end" is left as text.
    """
    if "begin " not in text:
        return text, []
    lines = text.split("\n")
    kept: list[str] = []
    files: list[tuple[str, bytes]] = []
    index = 0
    while index < len(lines):
        begin = _BEGIN.fullmatch(lines[index].rstrip()) if len(files) < MAX_FILES else None
        if begin is None:
            kept.append(lines[index])
            index += 1
            continue
        end = next((i for i in range(index + 1, len(lines)) if lines[i].rstrip() == "end"), None)
        if end is None:  # never closed: neither is any later block
            kept.extend(lines[index:])
            break
        files.append((begin[1].strip(), decode_lines(lines[index + 1 : end])))
        index = end + 1
    return "\n".join(kept), files


def decode_payload(payload: str) -> bytes:
    """A part sent with Content-Transfer-Encoding x-uuencode: its begin/end lines optional."""
    lines = payload.replace("\r\n", "\n").split("\n")
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("begin ")), 0)
    end = next((i for i, line in enumerate(lines) if i >= start and line.strip() == "end"), None)
    return decode_lines(lines[start:end])
