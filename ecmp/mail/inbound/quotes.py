"""Removing quoted history and our "reply above this line" marker from replies.

Replies are read in two shapes: written above the quote (the new text, then a
quote header such as "On … wrote:" or Outlook's From/Sent/To block, then history)
and written below it (the quoted "> " lines first, then the answer).
"""

from __future__ import annotations

import re

# Past this, a reply is not read for quotes (hostile input must not cost minutes).
MAX_SCAN = 200_000
# A quote header may be folded over this many lines by the client.
_FOLDED = 3
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"(?:On|At)\b.{0,300}\bwrote\s*:"  # English (Eudora: "At 14:56 …, you wrote:")
    r"|Le\b.{0,300}\ba\s+écrit\s*:"  # French
    r"|Am\b.{0,300}\bschrieb\b.{0,200}:"  # German
    r"|Op\b.{0,300}\bschreef\b.{0,200}:"  # Dutch
    r"|El\b.{0,300}\bescribió\s*:"  # Spanish
    r"|Il\b.{0,300}\bha\s+scritto\s*:"  # Italian
    r"|.{0,300}\b(?:пишет|написал(?:\u0430|\(\u0430\))?)\s*:"  # Russian
    r"|Em\b.{0,300}\bescreveu\s*:"  # Portuguese
    r"|W\s+dniu\b.{0,300}\b(?:pisze|napisał|napisała)\s*:"  # Polish
    r"|Den\b.{0,300}\bskrev\b.{0,200}:"  # Swedish, Danish, Norwegian
    r"|.{0,300}\bkirjoitti\s*:"  # Finnish
    r")\s*$",
    re.I | re.S,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Message d'origine|Ursprüngliche Nachricht"
    r"|Oorspronkelijk bericht|Mensaje original|Messaggio originale|Исходное сообщение"
    r"|Mensagem original|Wiadomość oryginalna|Originalmeddelande|Oprindelig meddelelse"
    r"|Opprinnelig melding|Alkuperäinen viesti|Forwarded message|Message transféré"
    r"|Weitergeleitete Nachricht)\s*-{2,}",
    re.I,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
# Outlook's block: a "From:" line followed within a few lines by Sent/Date/To.
_OUTLOOK_FROM = re.compile(
    r"^\s*\*?(?:From|De|Von|Van|Da|От|Od|Från|Fra|Lähettäjä)\s*:\*?\s*.+$", re.I
)
_OUTLOOK_FOLLOWERS = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Envoyé|À|Gesendet|Datum|An|Verzonden|Aan|Enviado|Para|Inviato"
    r"|Data|A|Отправлено|Дата|Кому|Wysłano|Do|Skickat|Till|Sendt|Til|Lähetetty|Vastaanottaja"
    r"|Fecha|Subject|Objet|Betreff|Onderwerp|Asunto|Oggetto|Тема|Assunto|Temat|Ämne|Emne)\s*:",
    re.I,
)


def _is_header(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ORIGINAL_MESSAGE.match(line) or _UNDERSCORES.match(line):
        return True
    if _OUTLOOK_FROM.match(line):
        return any(_OUTLOOK_FOLLOWERS.match(nxt) for nxt in lines[index + 1 : index + 4])
    if len(line) > 600 or not line.strip():
        return False
    # "On Mon, … John <john@x>" folded over lines, "wrote:" on the last one
    joined = line
    for extra in range(_FOLDED):
        if _ATTRIBUTION.match(joined):
            return True
        if index + extra + 1 >= len(lines) or not lines[index + extra + 1].strip():
            return False
        joined = f"{joined} {lines[index + extra + 1]}"
    return False


def _before_marker(lines: list[str]) -> list[str]:
    """Everything above our "##- … -##" marker line, in any language."""
    for index, line in enumerate(lines):
        start = line.find("##-")
        if start != -1 and line.find("-##", start + 3) != -1:
            return lines[:index]
    return lines


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _below_the_quote(lines: list[str]) -> list[str] | None:
    """Bottom-posting: an optional quote header, "> " lines, then the answer."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and not _quoted(lines[index]) and _is_header(lines, index):
        # Skip the header's (possibly folded) lines up to the first quoted one.
        following = next(
            (
                i
                for i in range(index + 1, min(index + 1 + _FOLDED, len(lines)))
                if _quoted(lines[i])
            ),
            None,
        )
        if following is None:
            return None
        index = following
    if index >= len(lines) or not _quoted(lines[index]):
        return None
    while index < len(lines) and (_quoted(lines[index]) or not lines[index].strip()):
        index += 1
    rest = lines[index:]
    # An answer between quotes (interleaved) is kept whole: no part of it is history.
    if any(_quoted(line) for line in rest) or not any(line.strip() for line in rest):
        return None
    return rest


def strip_quotes(text: str) -> tuple[str, bool]:
    """The new part of a reply, and whether anything was removed."""
    original = text.strip()
    if len(text) > MAX_SCAN:
        return original, False
    lines = _before_marker(text.rstrip().split("\n"))
    below = _below_the_quote(lines)
    if below is not None:
        lines = below
    cut = len(lines)
    for index in range(len(lines)):
        if _is_header(lines, index):
            cut = index
            break
    lines = lines[:cut]
    # A trailing block of "> quoted" lines.
    while lines and (_quoted(lines[-1]) or not lines[-1].strip()):
        lines.pop()
    reply = "\n".join(lines).strip()
    if not reply:
        return original, False
    return reply, reply != original
