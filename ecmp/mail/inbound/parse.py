"""Reading a raw message, however broken: headers, best text, attachments.

The compat32 policy never raises on a malformed header; each header is then
decoded here, one by one, with a fallback for every step.
"""

from __future__ import annotations

import email
import logging
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses

import nh3

from ecmp.mail.ids import MESSAGE_ID
from ecmp.mail.inbound import charsets, uuencode
from ecmp.mail.inbound.htmltext import html_to_text
from ecmp.mail.inbound.machine import machine_reason
from ecmp.mail.inbound.senders import decode_words, read_sender

logger = logging.getLogger(__name__)

MAX_DEPTH = 20
# Hostile input must not cost minutes: longer headers and bodies are cut before
# the (partly quadratic) decoding and conversion.
MAX_HEADER = 4_000
MAX_TEXT = 2_000_000
MAX_HTML = 100_000  # HTMLParser and nh3 slow down badly on some shapes beyond
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f<>]{1,64}@[^@\s\x00-\x1f<>]{1,190}$")
# A header-block line that neither starts a field, continues one, nor is the mbox
# "From " line: a mailer forgot to fold, and Python would end the headers there.
_BROKEN_FOLD = re.compile(rb"\n(?![ \t]|[\x21-\x39\x3b-\x7e]*:|\r?\n|From )")
_FIELD_START = re.compile(rb"[\x21-\x39\x3b-\x7e]*:")
_KEPT_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "list-id",
    "list-unsubscribe",
    "x-loop",
    "x-mailer",
)
_RAW_NAME = re.compile(r'(?:file)?name\s*=\s*(?:"([^"]{1,500})"|([^;\s"]{1,500}))', re.I)
_UUENCODINGS = {"x-uuencode", "uuencode", "x-uue", "uue"}
_SMIME_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime"}
_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")  # 1.2.840.113549.1.7.2
_PGP_BEGIN = "-----BEGIN PGP MESSAGE-----"
_PGP_END = "-----END PGP MESSAGE-----"
_DOCUMENT_TYPES = {
    "application/pdf",
    "application/msword",
    "application/rtf",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
# mimetypes picks odd extensions for a few common types (".jpe", ".ksh"…).
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/octet-stream": ".bin",
    "message/rfc822": ".eml",
}


@dataclass
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    sender: str = ""
    sender_name: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    report_recipients: list[str] = field(default_factory=list)
    is_report: bool = False
    text_from_html: bool = False
    return_path: str | None = None
    defects: list[str] = field(default_factory=list)
    # Why `sender` cannot be taken as the author ("" when it can): no usable From
    # address, several of them, a From the RFC 5322 parser found defects in, or a
    # Sender: that names someone else. Such mail is held, never ignored.
    sender_problem: str = ""
    # The Sender: header's address, when there is one.
    sender_header: str = ""
    # The Authentication-Results header values, topmost (latest added) first.
    auth_results: list[str] = field(default_factory=list)
    # S/MIME enveloped, PGP/MIME or inline PGP: the text could not be read.
    encrypted: bool = False
    # RFC 5322 allows these once; a second copy (put above a signed one) would be
    # read instead of what the signature covers: no proof of the sender then.
    duplicate_headers: list[str] = field(default_factory=list)
    # Machine mail without RFC 3834 headers (cron, a tool's notification, noreply…):
    # the reason, or "". Such mail may become a ticket but is never answered.
    machine: str = ""


_SINGLE_HEADERS = (
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
)


def decode_text_header(value: object) -> str:
    if value is None:
        return ""
    return decode_words(str(value)[:MAX_HEADER])


def _decode_bytes(data: bytes, charset: str | None) -> str:
    return charsets.decode(data, charset)


def repair_header_block(raw: bytes) -> bytes:
    """Lines of the header block that a mailer forgot to fold, folded.

    Without this, Python ends the headers at such a line and From, To, Subject
    below it are read as body. Only lines followed by a real field are repaired:
    text run into the headers at their end is still the body's. Leading lines
    before the first field (text pasted above the headers) are dropped.
    """
    end = raw.find(b"\n\n")
    crlf_end = raw.find(b"\n\r\n")
    if end == -1 or (crlf_end != -1 and crlf_end < end):
        end = crlf_end
    block = raw if end == -1 else raw[: end + 1]
    if _BROKEN_FOLD.search(b"\n" + block) is None:
        return raw
    lines = block.split(b"\n")
    last_field = max(
        (number for number, line in enumerate(lines) if _FIELD_START.match(line)), default=-1
    )
    seen_field = False
    repaired = []
    for number, line in enumerate(lines):
        if number >= last_field or line[:1] in (b" ", b"\t") or _FIELD_START.match(line):
            seen_field = seen_field or bool(_FIELD_START.match(line))
            repaired.append(line)
        elif number == 0 and line.startswith(b"From "):
            repaired.append(line)
        elif seen_field:
            repaired.append(b" " + line)
        # else: text above the first field, dropped
    return b"\n".join(repaired) + (b"" if end == -1 else raw[end + 1 :])


def _payload_bytes(part: Message) -> bytes:
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in _UUENCODINGS:
        # Python's own reading of these goes through a module removed in 3.13.
        raw = part.get_payload()
        return uuencode.decode_payload(raw) if isinstance(raw, str) else b""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _ids(value: str) -> list[str]:
    return re.findall(MESSAGE_ID, value or "")


def _readable(value: str, charset: str | None = None) -> str:
    """Text that compat32 left with raw 8-bit bytes (as surrogates) decoded properly."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # surrogates: raw bytes, not decoded text
        return charsets.decode(value.encode("utf-8", "surrogateescape"), charset)
    return value


def _filename(part: Message, hint: _Hint | None = None) -> str:
    name: str | tuple[str | None, str | None, str] | None
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name")
        except Exception:
            name = None
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
    if not name:
        return ""
    name = str(name)
    if "\ufffd" in name:
        # compat32 hands 8-bit parameters over with their bytes already replaced.
        name = _raw_filename(part) or name
    if not name.isascii():
        # Perhaps a raw UTF-8 (or legacy) file name: undecoded bytes, as surrogates.
        charset = part.get_content_charset() or (hint() if hint is not None else None)
        name = _readable(name, charset)
    return decode_text_header(name)


def _raw_filename(part: Message) -> str | None:
    """The file name parameter as the raw header wrote it (8-bit bytes as surrogates)."""
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str):
            match = _RAW_NAME.search(value)
            if match is not None:
                return match[1] if match[1] is not None else match[2]
    return None


def _safe_name(text: str) -> str:
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", text)
    return " ".join(cleaned.split()).strip(" .")[:100]


def _unique_name(found: ParsedMail, base: str, extension: str) -> str:
    taken = {attachment.name for attachment in found.attachments}
    name = f"{base}{extension}"
    number = 2
    while name in taken:
        name = f"{base}-{number}{extension}"
        number += 1
    return name


def _name_from_type(found: ParsedMail, content_type: str) -> str:
    """A name for a file sent without one: its kind and the usual extension."""
    maintype = content_type.partition("/")[0]
    if content_type in _DOCUMENT_TYPES or "officedocument" in content_type:
        base = "document"
    elif maintype in ("image", "audio", "video"):
        base = maintype
    else:
        base = "attachment"
    extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
    return _unique_name(found, base, extension)


def _attach(found: ParsedMail, part: Message, name: str, content_type: str, data: bytes) -> None:
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    found.attachments.append(
        ParsedAttachment(
            name or _name_from_type(found, content_type),
            content_type,
            data,
            inline=disposition == "inline" or bool(part.get("Content-ID")),
        )
    )


def _message_bytes(inner: Message) -> bytes:
    """An attached message as bytes; one the generator cannot write back (raw 8-bit
    header lines) as it came."""
    try:
        return inner.as_bytes()
    except (UnicodeError, LookupError, ValueError, TypeError):
        return inner.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape")


def _attach_message(found: ParsedMail, part: Message, name: str) -> None:
    inner = part.get_payload()
    data = (
        _message_bytes(inner[0])
        if isinstance(inner, list) and inner and isinstance(inner[0], Message)
        else _payload_bytes(part)
    )
    if not name:
        subject = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = decode_text_header(_readable(str(inner[0].get("Subject", ""))))
        base = _safe_name(subject) or "forwarded-message"
        name = _unique_name(found, base, ".eml")
    found.attachments.append(ParsedAttachment(name, "message/rfc822", data))


def _is_enveloped(part: Message, name: str, data: bytes) -> bool:
    """S/MIME encrypted data (as opposed to signed data, also sent as pkcs7-mime)."""
    smime_type = str(part.get_param("smime-type") or "").strip().lower()
    if smime_type:
        return smime_type in ("enveloped-data", "authenveloped-data")
    # No smime-type: the ContentInfo's type OID, near the start of the DER, tells.
    return name.lower().endswith(".p7m") and _SIGNED_DATA_OID not in data[:64]


def _walk_encrypted(part: Message, found: ParsedMail) -> None:
    """PGP/MIME: the version part says nothing; the encrypted data is kept as a file."""
    found.encrypted = True
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        if not isinstance(child, Message):
            continue
        content_type = (child.get_content_type() or "").lower()
        if content_type == "application/pgp-encrypted":
            continue
        data = _payload_bytes(child)
        if data:
            _attach(
                found,
                child,
                _filename(child) or _unique_name(found, "encrypted", ".asc"),
                content_type,
                data,
            )


def _walk(
    part: Message,
    found: ParsedMail,
    texts: list[str],
    htmls: list[str],
    depth: int,
    hint: _Hint | None = None,
) -> None:
    if depth > MAX_DEPTH:
        found.defects.append("too deeply nested")
        return
    content_type = (part.get_content_type() or "text/plain").lower()
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    name = _filename(part, hint)
    if content_type == "message/rfc822":
        _attach_message(found, part, name)
        return
    if content_type == "message/delivery-status":
        status = (
            "\n".join(p.as_string() for p in part.get_payload() if isinstance(p, Message))
            if isinstance(part.get_payload(), list)
            else _decode_bytes(_payload_bytes(part), "utf-8")
        )
        for match in re.finditer(
            r"^(?:Final|Original)-Recipient:\s*[^;]*;\s*(\S+)", status, re.M | re.I
        ):
            address = match.group(1).strip("<>").lower()
            if _ADDRESS.match(address):  # no NUL or other control character, ever
                found.report_recipients.append(address)
        return
    if content_type == "multipart/encrypted":
        _walk_encrypted(part, found)
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        if content_type == "multipart/alternative":
            # Text is preferred: with a text/plain version, the HTML one adds nothing.
            has_plain = any(
                isinstance(c, Message)
                and c.get_content_type() == "text/plain"
                and _payload_bytes(c).strip()
                for c in children
            )
            if has_plain:
                children = [
                    c
                    for c in children
                    if not (isinstance(c, Message) and c.get_content_type() == "text/html")
                ]
        for child in children:
            if isinstance(child, Message):
                _walk(child, found, texts, htmls, depth + 1, hint)
        return
    # A text part with a file name is a file the sender attached, not the body.
    is_attachment = disposition == "attachment" or bool(name)
    if content_type == "text/plain" and not is_attachment:
        text = _decode_bytes(_payload_bytes(part), part.get_content_charset())
        text, files = uuencode.extract(text)
        for file_name, data in files:
            found.attachments.append(
                ParsedAttachment(
                    _safe_name(file_name) or "attachment.bin",
                    mimetypes.guess_type(file_name)[0] or "application/octet-stream",
                    data,
                )
            )
        texts.append(text)
        return
    if content_type == "text/html" and not is_attachment:
        htmls.append(_decode_bytes(_payload_bytes(part), part.get_content_charset()))
        return
    data = _payload_bytes(part)
    if not data:
        return
    if content_type in _SMIME_TYPES and _is_enveloped(part, name, data):
        found.encrypted = True
        name = name or _unique_name(found, "smime", ".p7m")
    _attach(found, part, name, content_type, data)


def _take_inline_pgp(found: ParsedMail, text: str) -> str:
    """Inline PGP: each armored message becomes a file, what is around it stays text."""
    found.encrypted = True
    remaining = []
    position = 0
    while (start := text.find(_PGP_BEGIN, position)) != -1:
        end = text.find(_PGP_END, start)
        end = len(text) if end == -1 else end + len(_PGP_END)
        remaining.append(text[position:start])
        found.attachments.append(
            ParsedAttachment(
                _unique_name(found, "encrypted", ".asc"),
                "application/pgp-encrypted",
                text[start:end].encode("utf-8"),
            )
        )
        position = end
    remaining.append(text[position:])
    return "\n".join(chunk.strip() for chunk in remaining if chunk.strip())


def _unparseable(raw: bytes) -> ParsedMail:
    """A message the parser cannot read (nested thousands deep): its headers and raw text."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    reading = read_sender(
        [_readable(str(v)) for v in headers.get_all("From", [])],
        [_readable(str(v)) for v in headers.get_all("Sender", [])],
    )
    body = raw.split(b"\n\n", 1)[-1][:MAX_TEXT]
    return ParsedMail(
        message_id=(_ids(str(headers.get("Message-ID", ""))) or [""])[0],
        sender=reading.address,
        sender_name=reading.name,
        sender_problem=reading.problem,
        sender_header=reading.sender_header,
        subject=decode_text_header(_readable(str(headers.get("Subject", ""))))[:300],
        text=_decode_bytes(body, "utf-8").replace("\x00", ""),
        defects=["unparseable structure"],
    )


def parse_message(raw: bytes) -> ParsedMail:
    try:
        return _parse(repair_header_block(raw))
    except RecursionError:
        return _unparseable(raw)
    except Exception:
        # A structure no rule here foresaw must not fail the message for ever (a retry
        # would fail the same way), nor the desk's page that shows it: read what the
        # headers and the raw text say.
        logger.warning("a message could not be parsed in full", exc_info=True)
        return _unparseable(raw)


class _Hint:
    """The message's declared charset for raw 8-bit names, looked for once if needed."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.charset: str | bool | None = False

    def __call__(self) -> str | None:
        if self.charset is False:
            self.charset = _eight_bit_hint(self.message)
        return self.charset if isinstance(self.charset, str) else None


def _eight_bit_hint(message: Message) -> str | None:
    """The charset a message declares for its text: the likeliest for raw 8-bit headers."""
    for number, part in enumerate(message.walk()):
        if number > 10:
            break
        charset = part.get_content_charset()
        if charset and charsets.codec_for(charset) not in (None, "utf-8"):
            return charset
    return None


def _header_values(message: Message) -> dict[str, list[str]]:
    """Every header's values by lowercased name, raw 8-bit bytes decoded once for all."""
    values: dict[str, list[str]] = {}
    eight_bit = []
    for name, value in message.raw_items():
        text = value if isinstance(value, str) else str(value)
        values.setdefault(name.lower(), []).append(text)
        if not text.isascii():
            eight_bit.append(text.encode("utf-8", "surrogateescape"))
    if not eight_bit:
        return values
    undecodable = [data for data in eight_bit if not charsets.is_utf8(data)]
    if not undecodable:
        charset: str | None = "utf-8"
    else:
        # Header values are short: the detector judges them all together, given
        # the charset the text declares first, if any.
        charset = _eight_bit_hint(message) or charsets.detect(b"\n".join(undecodable))
    for name, texts in values.items():
        values[name] = [_header_text(text, charset) for text in texts]
    return values


def _header_text(text: str, charset: str | None) -> str:
    if text.isascii():
        return text
    data = text.encode("utf-8", "surrogateescape")
    return data.decode("utf-8") if charsets.is_utf8(data) else charsets.decode(data, charset)


def _parse(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=policy.compat32)
    found = ParsedMail()
    values = _header_values(message)

    def first(name: str) -> str:
        found_values = values.get(name)
        return found_values[0] if found_values else ""

    headers = {}
    for key in _KEPT_HEADERS:
        if key in values:
            headers[key] = decode_text_header(first(key)).lower()
    found.headers = headers
    found.duplicate_headers = [
        name for name in _SINGLE_HEADERS if len(values.get(name.lower(), ())) > 1
    ]
    found.message_id = (_ids(first("message-id")) or [""])[0]
    found.in_reply_to = _ids(first("in-reply-to"))
    found.references = _ids(" ".join(values.get("references", [])))
    reading = read_sender(values.get("from", []), values.get("sender", []))
    found.sender = reading.address
    found.sender_name = reading.name
    found.sender_problem = reading.problem
    found.sender_header = reading.sender_header
    found.auth_results = [
        " ".join(value[:MAX_HEADER].split()) for value in values.get("authentication-results", [])
    ]
    if "return-path" in values:
        found.return_path = first("return-path").strip()
    recipient_headers: list[str] = []
    for key in ("to", "cc", "delivered-to", "x-original-to", "envelope-to"):
        recipient_headers.extend(decode_text_header(v) for v in values.get(key, []))
    found.recipients = [addr.lower() for _n, addr in getaddresses(recipient_headers) if "@" in addr]
    found.subject = decode_text_header(first("subject"))[:300]
    found.content_type = (message.get_content_type() or "").lower()
    found.is_report = found.content_type == "multipart/report"
    found.machine = machine_reason(set(values), headers, found.sender)
    texts: list[str] = []
    htmls: list[str] = []
    _walk(message, found, texts, htmls, 0, _Hint(message))
    html = "\n".join(htmls)[:MAX_HTML]
    found.html = nh3.clean(html) if html else ""
    text = "\n\n".join(t.strip() for t in texts if t.strip())[:MAX_TEXT]
    if not text and html:
        text = html_to_text(html)
        found.text_from_html = True
    if _PGP_BEGIN in text:
        text = _take_inline_pgp(found, text)
    found.text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    found.defects = [type(defect).__name__ for defect in message.defects]
    return found
