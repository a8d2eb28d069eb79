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
_SIGNED_ID = re.compile(r"<?ecmp\.(\d{1,9})\.([0-9a-f]{12})\.([0-9a-f]{16})@([^>\s]+)>?", re.I)
_SUBJECT_TAG = re.compile(r"\[#(\d{1,9})\]")


def _signature(number: int, nonce: str) -> str:
    key = f"ecmp-message-id:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{number}.{nonce}".encode(), hashlib.sha256).hexdigest()[:16]


def make_message_id(number: int | None) -> str:
    """A Message-ID on our domain; for a ticket, it carries the signed ticket number."""
    domain = settings.ECMP_MAIL_DOMAIN
    nonce = secrets.token_hex(6)
    if number is None:
        return f"<ecmp.{secrets.token_hex(12)}@{domain}>"
    return f"<ecmp.{number}.{nonce}.{_signature(number, nonce)}@{domain}>"


def ticket_number_from_ids(ids: list[str]) -> int | None:
    """The ticket number in the first of our own signed Message-IDs among `ids`."""
    for value in reversed(ids):  # the most recent reference is last
        for match in _SIGNED_ID.finditer(value):
            number, nonce, signature, _domain = match.groups()
            if hmac.compare_digest(signature.lower(), _signature(int(number), nonce.lower())):
                return int(number)
    return None


def looks_like_foreign_ecmp_id(ids: list[str]) -> bool:
    """A reference shaped like ours whose signature does not check out."""
    return any(_SIGNED_ID.search(value) for value in ids) and ticket_number_from_ids(ids) is None


def ticket_number_from_addresses(addresses: list[str]) -> int | None:
    """support+1001@… addressed to one of our support addresses."""
    ours = {
        address.split("@")[0].lower(): address.split("@")[1].lower()
        for address in settings.ECMP_SUPPORT_ADDRESSES
    }
    for address in addresses:
        local, _, domain = address.lower().partition("@")
        base, plus, tag = local.partition("+")
        if (
            plus
            and ours.get(base) == domain
            and tag.isascii()
            and tag.isdecimal()
            and len(tag) < 10
        ):
            return int(tag)
    return None


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
