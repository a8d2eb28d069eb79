"""Reading a raw message, however broken: headers, best text, attachments.

The compat32 policy never raises on a malformed header; each header is then
decoded here, one by one, with a fallback for every step.
"""

from __future__ import annotations

import codecs
import email
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

import nh3

from ecmp.mail.ids import MESSAGE_ID
from ecmp.mail.inbound.htmltext import html_to_text

MAX_DEPTH = 20
# Hostile input must not cost minutes: longer headers and bodies are cut before
# the (partly quadratic) decoding and conversion.
MAX_HEADER = 4_000
MAX_TEXT = 2_000_000
MAX_HTML = 100_000  # HTMLParser and nh3 slow down badly on some shapes beyond
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f<>]{1,64}@[^@\s\x00-\x1f<>]{1,190}$")
_CHARSET_ALIASES = {"ks_c_5601-1987": "euc-kr", "x-unknown": "latin-1", "unknown-8bit": "latin-1"}


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
    # Machine mail without RFC 3834 headers (cron, a tool's notification, noreply…):
    # the reason, or "". Such mail may become a ticket but is never answered.
    machine: str = ""


def decode_text_header(value: object) -> str:
    if value is None:
        return ""
    raw = str(value)[:MAX_HEADER]
    try:
        decoded = str(make_header(decode_header(raw)))
    except Exception:
        decoded = raw
    return " ".join(decoded.replace("\x00", "").split())


def _charset(name: str | None) -> str:
    name = (name or "utf-8").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in a mangled charset name
        return "windows-1252"
    return name


def _decode_bytes(data: bytes, charset: str | None) -> str:
    name = _charset(charset)
    try:
        return data.decode(name)
    except (UnicodeDecodeError, LookupError):
        for fallback in ("utf-8", "windows-1252"):
            try:
                return data.decode(fallback)
            except UnicodeDecodeError:
                continue
    return data.decode("latin-1", errors="replace")


def _payload_bytes(part: Message) -> bytes:
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


def _filename(part: Message) -> str:
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
    return decode_text_header(name) if name else ""


def _walk(part: Message, found: ParsedMail, texts: list[str], htmls: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        found.defects.append("too deeply nested")
        return
    content_type = (part.get_content_type() or "text/plain").lower()
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    name = _filename(part)
    if content_type == "message/rfc822":
        inner = part.get_payload()
        data = inner[0].as_bytes() if isinstance(inner, list) and inner else _payload_bytes(part)
        found.attachments.append(
            ParsedAttachment(name or "forwarded-message.eml", content_type, data)
        )
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
                children = [c for c in children if c.get_content_type() != "text/html"]
        for child in children:
            if isinstance(child, Message):
                _walk(child, found, texts, htmls, depth + 1)
        return
    is_attachment = disposition == "attachment" or (
        name and content_type not in ("text/plain", "text/html")
    )
    if content_type == "text/plain" and not is_attachment and disposition != "attachment":
        texts.append(_decode_bytes(_payload_bytes(part), part.get_content_charset()))
    elif content_type == "text/html" and not is_attachment and disposition != "attachment":
        htmls.append(_decode_bytes(_payload_bytes(part), part.get_content_charset()))
    else:
        data = _payload_bytes(part)
        if data:
            extension = {"text/plain": ".txt", "text/html": ".html"}.get(content_type, "")
            found.attachments.append(
                ParsedAttachment(
                    name or f"attachment-{len(found.attachments) + 1}{extension}",
                    content_type,
                    data,
                    inline=disposition == "inline" or bool(part.get("Content-ID")),
                )
            )


def _unparseable(raw: bytes) -> ParsedMail:
    """A message the parser cannot read (nested thousands deep): its headers and raw text."""
    from email.parser import BytesHeaderParser

    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    _name, address = parseaddr(decode_text_header(headers.get("From", "")))
    body = raw.split(b"\n\n", 1)[-1][:MAX_TEXT]
    return ParsedMail(
        message_id=(_ids(str(headers.get("Message-ID", ""))) or [""])[0],
        sender=(address or "").strip().lower()[:254],
        subject=decode_text_header(headers.get("Subject", ""))[:300],
        text=_decode_bytes(body, "utf-8").replace("\x00", ""),
        defects=["unparseable structure"],
    )


def parse_message(raw: bytes) -> ParsedMail:
    try:
        return _parse(raw)
    except RecursionError:
        return _unparseable(raw)


def _parse(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=policy.compat32)
    found = ParsedMail()
    headers = {}
    for key in (
        "auto-submitted",
        "precedence",
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "list-id",
        "list-unsubscribe",
        "x-loop",
        "x-mailer",
    ):
        value = message.get(key)
        if value is not None:
            headers[key] = decode_text_header(value).lower()
    found.headers = headers
    found.message_id = (_ids(str(message.get("Message-ID", ""))) or [""])[0]
    found.in_reply_to = _ids(str(message.get("In-Reply-To", "")))
    found.references = _ids(" ".join(str(v) for v in message.get_all("References", [])))
    name, address = parseaddr(decode_text_header(message.get("From", "")))
    found.sender = (address or "").strip().lower()[:254]
    found.sender_name = name.strip()[:150]
    if "return-path" in {key.lower() for key in message}:
        found.return_path = str(message.get("Return-Path", "")).strip()
    recipient_headers = []
    for key in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        recipient_headers.extend(decode_text_header(v) for v in message.get_all(key, []))
    found.recipients = [addr.lower() for _n, addr in getaddresses(recipient_headers) if "@" in addr]
    found.subject = decode_text_header(message.get("Subject", ""))[:300]
    found.content_type = (message.get_content_type() or "").lower()
    found.is_report = found.content_type == "multipart/report"
    texts: list[str] = []
    htmls: list[str] = []
    _walk(message, found, texts, htmls, 0)
    html = "\n".join(htmls)[:MAX_HTML]
    found.html = nh3.clean(html) if html else ""
    text = "\n\n".join(t.strip() for t in texts if t.strip())[:MAX_TEXT]
    if not text and html:
        text = html_to_text(html)
        found.text_from_html = True
    found.text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    found.defects = [type(defect).__name__ for defect in message.defects]
    return found
