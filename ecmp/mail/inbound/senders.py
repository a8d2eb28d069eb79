"""Who wrote a message: the From address as RFC 5322 reads it, or why it cannot be told.

Decoding encoded words across the whole header and then looking for an address
lets the display name choose the sender ("=?utf-8?q?=3Cagent=40ecmp=2Eexample=3E?=
<attacker@evil.example>" read as agent@ecmp.example). Here the structure is read
first, by the standard library's header registry, and only the display name is
decoded. The registry costs about 0.1 ms a header, as much as parsing the rest of a
small message, so the usual shapes ("a@b", "Name <a@b>", '"Last, First" <a@b>',
encoded names) are read by a pattern that gives the same answer, tested against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import errors, policy
from email.header import decode_header

from ecmp.mail.inbound.charsets import decode

# A real From is a few hundred characters; the registry slows down quadratically on
# some hostile shapes, so longer ones are cut (and then lack their address).
MAX_HEADER = 2_000
NO_ADDRESS = "no sender address"
SEVERAL = "several From addresses"
DEFECTIVE = "a From header with defects"
OTHER_SENDER = "Sender differs from From"

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_ADDR_SPEC = rf"({_DOT_ATOM}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
# A phrase of atoms (encoded words are atoms too), or a quoted string without
# escapes or encoded words: the registry reads these without a defect, and the
# address is what stands between the angle brackets.
_PHRASE = rf"{_ATEXT}+(?:[ \t]+{_ATEXT}+)*"
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f=]|=(?!\?))*"'
_SIMPLE = re.compile(
    rf"[ \t]*(?:(?:({_QUOTED})|({_PHRASE}))?[ \t]*<{_ADDR_SPEC}>|{_ADDR_SPEC})[ \t]*"
)

# Defects of the display name alone: they never move the address, which the checks
# below still require between angle brackets ("J. Smith <j@x>" is obsolete syntax,
# an encoded word in quotes is a common mailer's habit).
_NAME_DEFECTS = {
    "period in 'phrase'",
    "encoded word inside quoted string",
    "missing trailing whitespace after encoded-word",
    "missing whitespace before encoded word",
}
_NAME_DEFECT_TYPES = (
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64LengthDefect,
    errors.UndecodableBytesDefect,
    errors.CharsetError,
    errors.NonASCIILocalPartDefect,  # an internationalised address, not a forged one
)


@dataclass(frozen=True)
class SenderReading:
    address: str = ""
    name: str = ""
    problem: str = ""
    sender_header: str = ""


def _unfold(value: str) -> str:
    return value[:MAX_HEADER].replace("\r", "").replace("\n", "").replace("\x00", "")


def decode_words(value: str) -> str:
    """A header's encoded words decoded, each by its own charset's superset."""
    # NUL never survives (PostgreSQL refuses it in text).
    if "=?" not in value:
        return " ".join(value.replace("\x00", "").split())
    try:
        chunks = decode_header(value)
    except Exception:
        return " ".join(value.replace("\x00", "").split())
    text = "".join(
        chunk if isinstance(chunk, str) else decode(chunk, charset) for chunk, charset in chunks
    )
    return " ".join(text.replace("\x00", "").split())


def _harmless(defect: Exception, value: str, address: str) -> bool:
    if isinstance(defect, _NAME_DEFECT_TYPES):
        return True
    return (
        isinstance(defect, errors.HeaderDefect)
        and str(defect) in _NAME_DEFECTS
        and value.rstrip().lower().endswith(f"<{address.lower()}>")
    )


def _registry_read(value: str) -> tuple[str, str, str]:
    """(address, display name, problem) by the RFC 5322 parser."""
    try:
        header = policy.default.header_factory("From", value)
        mailboxes = header.addresses
        groups = header.groups
        defects = header.defects
    except Exception:  # the registry has raised on hostile input before
        return "", "", DEFECTIVE
    if any(group.display_name is not None for group in groups):
        return "", "", NO_ADDRESS
    if len(mailboxes) > 1:
        return "", "", SEVERAL
    if not mailboxes:
        return "", "", NO_ADDRESS
    mailbox = mailboxes[0]
    address = mailbox.addr_spec
    name = mailbox.display_name
    if not mailbox.username or not mailbox.domain or address == "<>":
        return "", name, NO_ADDRESS
    if not all(_harmless(defect, value, address) for defect in defects):
        return "", name, DEFECTIVE
    return address, name, ""


def read_address(value: str) -> tuple[str, str, str]:
    """(address lowercased, decoded display name, problem) of one From-like header."""
    value = _unfold(value)
    if not value.strip():
        return "", "", NO_ADDRESS
    simple = _SIMPLE.fullmatch(value)
    if simple is not None:
        quoted, phrase, bracketed, bare = simple.groups()
        name = decode_words(phrase) if phrase else " ".join((quoted or '""')[1:-1].split())
        return (bracketed or bare).lower(), name, ""
    address, name, problem = _registry_read(value)
    if not name and "(" in value and not problem:
        # "joe@x.example (Joe Smith)": the old form keeps the name in a comment.
        name = value[value.find("(") + 1 : value.rfind(")")].strip()
    name = " ".join(name.encode("utf-8", "replace").decode("utf-8").split())
    return address.lower()[:254], name[:150], problem


def read_sender(from_values: list[str], sender_values: list[str]) -> SenderReading:
    """The author of a message from its From and Sender header values (text, unfolded or not)."""
    if not from_values:
        return SenderReading(problem=NO_ADDRESS)
    if len(from_values) > 1:
        return SenderReading(problem=SEVERAL)
    address, name, problem = read_address(from_values[0])
    name = name[:150]
    if not sender_values:
        return SenderReading(address, name, problem)
    sender_header, _name, _problem = read_address(sender_values[0])
    if not problem and (len(sender_values) > 1 or sender_header != address):
        return SenderReading(address, name, OTHER_SENDER, sender_header)
    return SenderReading(address, name, problem, sender_header)
