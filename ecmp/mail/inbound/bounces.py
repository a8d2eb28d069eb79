"""Which addresses a bounce may mark as bouncing: only those we wrote to.

A delivery-status report is mail like any other: anyone can write one naming any
address. Believed as it is, a stranger's forged report would mark a customer's
address as bouncing. So a report counts for an address only if the message it
returns (its `message/rfc822` or `text/rfc822-headers` part, RFC 6522) is one of
ours sent to that address: its Message-ID is in the outbox with that recipient,
or, when the outbox has no row for it, it carries our signature (see ids.py) and
that recipient's reply token.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message
from email.parser import HeaderParser

from ecmp.mail.ids import MESSAGE_ID, reply_tokens, ticket_number_from_ids
from ecmp.mail.models import OutboundEmail

# The parts of a report that return the original message, whole or its headers
# (RFC 6522; message/global* are their internationalized forms, RFC 6533).
RETURNED_WHOLE = {"message/rfc822", "message/global"}
RETURNED_HEADERS = {"text/rfc822-headers", "message/global-headers", "message/rfc822-headers"}
# Reports nested deeper than this are no MTA's.
MAX_DEPTH = 3
# A returned message names one Message-ID; a handful is plenty for a broken one.
MAX_IDS = 5


def bounced_addresses(raw: bytes, reported: list[str]) -> list[str]:
    """Of the addresses a delivery-status report names (`reported`, as the parser read
    them), those it proves we wrote to, in their order; [] for anything else."""
    wanted = [address.strip().lower() for address in reported if address and address.strip()]
    if not wanted:
        return []
    try:
        ids = _returned_message_ids(email.message_from_bytes(raw, policy=policy.compat32))
    except Exception:  # a report we cannot read proves nothing
        return []
    if not ids:
        return []
    written: dict[str, set[str]] = {}
    for message_id, to in OutboundEmail.objects.filter(message_id__in=ids).values_list(
        "message_id", "to"
    ):
        written[message_id] = {str(address).lower() for address in to or []}
    proven: set[str] = set()
    for message_id in ids:
        if message_id in written:
            # The outbox says to whom it went: a copy that reached someone else,
            # forwarded into a forged report, proves nothing about other addresses.
            proven |= written[message_id]
        elif ticket_number_from_ids([message_id]) is not None:
            # Ours (signed), its outbox row gone: the recipient's token in it says to
            # whom it went. An ID from before tokens says only that it is our mail:
            # any of our recipients could forward it into a report naming anyone.
            for address in wanted:
                if reply_tokens(address, [message_id], [])[0]:
                    proven.add(address)
    return list(dict.fromkeys(address for address in wanted if address in proven))


def _returned_message_ids(message: Message) -> list[str]:
    """The Message-IDs of the messages returned in the message's report parts."""
    found: list[str] = []
    for report in _reports(message, 0):
        payload = report.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if not isinstance(part, Message):
                continue
            kind = (part.get_content_type() or "").lower()
            if kind in RETURNED_WHOLE:
                inner = part.get_payload()
                returned = inner[0] if isinstance(inner, list) and inner else None
                if isinstance(returned, Message):
                    found += _ids(returned)
            elif kind in RETURNED_HEADERS:
                text = part.get_payload(decode=True) or b""
                headers = HeaderParser(policy=policy.compat32).parsestr(
                    text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text),
                    headersonly=True,
                )
                found += _ids(headers)
    return list(dict.fromkeys(found))[:MAX_IDS]


def _reports(part: Message, depth: int):
    """The multipart/report parts: the message itself, or within a few levels of
    multipart/* (never inside an attached message: a forwarded report is not one)."""
    kind = (part.get_content_type() or "").lower()
    if kind == "multipart/report":
        yield part
        return
    payload = part.get_payload()
    if depth < MAX_DEPTH and kind.startswith("multipart/") and isinstance(payload, list):
        for child in payload:
            if isinstance(child, Message):
                yield from _reports(child, depth + 1)


def _ids(headers: Message) -> list[str]:
    return re.findall(MESSAGE_ID, " ".join(str(v) for v in headers.get_all("Message-ID") or []))
