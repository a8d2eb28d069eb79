"""Ticket references carried by mail: signed Message-IDs, +number addresses, [#1001] tags."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from email.utils import parseaddr

from django.conf import settings

# A Message-ID as we accept it: control characters (NUL above all: PostgreSQL
# refuses it) never make one.
MESSAGE_ID = r"<[^<>\s\x00-\x1f\x7f]{1,250}>"
# ecmp.<ticket>.<nonce>.<ticket signature>[.<recipient signature>]@domain: the first
# signature says which ticket a reply is about, the second that whoever replies
# from the address we wrote to received our mail (the reply token). 48-bit
# signatures (guessing one takes ~10^14 messages) keep "Message-ID: <…>" within a
# 78-character line for most domains: a folded Message-ID trips some mail clients.
# IDs written before reply tokens existed (nonce 12, signature 16) still route.
_SIGNED_ID = re.compile(
    r"<?ecmp\.(\d{1,9})\.([0-9a-f]{8}|[0-9a-f]{12})\.([0-9a-f]{12}(?:[0-9a-f]{4})?)"
    r"(?:\.([0-9a-f]{12}))?@([^>\s]+)>?",
    re.I,
)
_SUBJECT_TAG = re.compile(r"\[#(\d{1,9})\]")
# support+1001 or, with a reply token, support+1001-<12 hex>
_PLUS_TAG = re.compile(r"^(\d{1,9})(?:-([0-9a-f]{12}))?$")


def _hmac(purpose: str, message: str) -> str:
    key = f"ecmp-{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _signature(number: int, nonce: str, length: int = 12) -> str:
    return _hmac("message-id", f"{number}.{nonce}")[:length]


def _recipient_signature(number: int, nonce: str, recipient: str) -> str:
    return _hmac("reply-token", f"{number}.{nonce}.{recipient.strip().lower()}")[:12]


def _plus_signature(number: int, recipient: str) -> str:
    return _hmac("plus-token", f"{number}.{recipient.strip().lower()}")[:12]


def make_message_id(number: int | None, recipient: str = "") -> str:
    """A Message-ID on our domain; for a ticket, it carries the signed ticket number
    and, for its one recipient, their reply token."""
    domain = settings.ECMP_MAIL_DOMAIN
    nonce = secrets.token_hex(4)
    if number is None:
        return f"<ecmp.{secrets.token_hex(12)}@{domain}>"
    signed = f"ecmp.{number}.{nonce}.{_signature(number, nonce)}"
    if recipient:
        signed += f".{_recipient_signature(number, nonce, recipient)}"
    return f"<{signed}@{domain}>"


def plus_address(address: str, number: int, recipient: str = "") -> str:
    """support+1001@… (with the recipient's reply token when there is one)."""
    local, _, domain = address.partition("@")
    tag = f"{number}-{_plus_signature(number, recipient)}" if recipient else str(number)
    return f"{local}+{tag}@{domain}"


def _signed_ids(ids: list[str]):
    """(number, nonce, recipient signature) of each of our validly signed IDs, the
    most recent reference first."""
    for value in reversed(ids):  # the most recent reference is last
        for match in _SIGNED_ID.finditer(value):
            number, nonce, signature, token, _domain = match.groups()
            nonce = nonce.lower()
            expected = _signature(int(number), nonce, len(signature))
            if hmac.compare_digest(signature.lower(), expected):
                yield int(number), nonce, (token or "").lower()


def ticket_number_from_ids(ids: list[str]) -> int | None:
    """The ticket number in the first of our own signed Message-IDs among `ids`."""
    for number, _nonce, _token in _signed_ids(ids):
        return number
    return None


def looks_like_foreign_ecmp_id(ids: list[str]) -> bool:
    """A reference shaped like ours whose signature does not check out."""
    return any(_SIGNED_ID.search(value) for value in ids) and ticket_number_from_ids(ids) is None


def _plus_tags(addresses: list[str]):
    """(number, token) of each support+tag address among `addresses`."""
    ours = {
        address.split("@")[0].lower(): address.split("@")[1].lower()
        for address in settings.ECMP_SUPPORT_ADDRESSES
    }
    for address in addresses:
        local, _, domain = address.lower().partition("@")
        base, plus, tag = local.partition("+")
        match = _PLUS_TAG.match(tag) if plus and tag.isascii() else None
        if match and ours.get(base) == domain:
            yield int(match.group(1)), match.group(2) or ""


def ticket_number_from_addresses(addresses: list[str]) -> int | None:
    """support+1001@… addressed to one of our support addresses."""
    for number, _token in _plus_tags(addresses):
        return number
    return None


def reply_tokens(sender: str, ids: list[str], addresses: list[str]) -> tuple[set[int], bool]:
    """The tickets for which these references hold a reply token issued to `sender`,
    and whether they hold tokens issued to someone else (copied from another
    person's mail: evidence against, never proof)."""
    proven: set[int] = set()
    others = False
    for number, nonce, token in _signed_ids(ids):
        if not token:
            continue
        if sender and hmac.compare_digest(token, _recipient_signature(number, nonce, sender)):
            proven.add(number)
        else:
            others = True
    for number, token in _plus_tags(addresses):
        if not token:
            continue
        if sender and hmac.compare_digest(token, _plus_signature(number, sender)):
            proven.add(number)
        else:
            others = True
    return proven, others


def ticket_number_from_subject(subject: str) -> int | None:
    match = _SUBJECT_TAG.search(subject or "")
    return int(match.group(1)) if match else None


def is_our_address(address: str) -> bool:
    """One of our support addresses (with or without +tag), or our sender address."""
    local, _, domain = (address or "").lower().partition("@")
    base = local.partition("+")[0]
    ours = {a.lower() for a in settings.ECMP_SUPPORT_ADDRESSES}
    ours.add(settings.ECMP_FROM_ADDRESS.lower())
    ours.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    return f"{base}@{domain}" in ours
