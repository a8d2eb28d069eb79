"""The one way in for mail: store raw, then process in a task.

IMAP polling, the mailgate command and the SMTP/LMTP listener all call
`inbound_store`; the worker runs `inbound_handle`. A processing error keeps the
row with its error for an admin to retry; the same message is processed once.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.parser import BytesHeaderParser
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecmp.mail.ids import MESSAGE_ID
from ecmp.mail.models import InboundEmail

# What processing writes on a stored message.
ROUTED_FIELDS = [
    *("sender", "subject", "status", "outcome", "reason", "ticket", "processed_at"),
    "last_error",
]


class MessageRefused(Exception):
    """The message cannot be accepted at all (too large, empty): tell the sender's server."""


def _message_id(raw: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        found = re.findall(MESSAGE_ID, str(headers.get("Message-ID", "")))
    except Exception:
        return ""
    return found[0] if found else ""


def inbound_store(
    raw: bytes, *, source: str, envelope_to: list[str] | None = None
) -> tuple[InboundEmail, bool]:
    """Keep the raw message; returns the row and whether it is new (False: a duplicate)."""
    if not raw or not raw.strip():
        raise MessageRefused("empty message")
    if len(raw) > settings.ECMP_INBOUND_MAX_BYTES:
        raise MessageRefused("message too large")
    message_id = _message_id(raw)
    # The same message re-delivered differs only in its trace headers: the key is the
    # Message-ID with the body's hash, so a reused Message-ID never hides another message.
    body = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[-1]
    body_hash = hashlib.sha256(body).hexdigest()
    key = (
        f"id:{message_id}:{body_hash[:16]}"
        if message_id
        else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    )
    from ecmp.mail.tasks import inbound_process

    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                dedupe_key=key[:300],
                message_id=message_id,
                raw=raw,
                size=len(raw),
                source=source,
                envelope_to=[address.lower() for address in (envelope_to or [])][:50],
            )
            transaction.on_commit(partial(inbound_process.enqueue, row.pk))
    except IntegrityError:
        return InboundEmail.objects.get(dedupe_key=key[:300]), False
    return row, True


def inbound_handle(inbound_id: int) -> str:
    """Process one stored message once; on error keep it, with the error, to retry."""
    from ecmp.mail.inbound.route import inbound_route

    try:
        with transaction.atomic():
            row = (
                InboundEmail.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=inbound_id,
                    status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED],
                )
                .first()
            )
            if row is None:
                return "skipped"
            inbound_route(row)
            row.processed_at = timezone.now()
            row.last_error = ""
            # Never the raw message again: it can be megabytes, and it is never changed.
            row.save(update_fields=ROUTED_FIELDS)
            return row.outcome
    except Exception as exc:
        InboundEmail.objects.filter(pk=inbound_id).update(
            status=InboundEmail.Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}".replace("\x00", "")[:2000],
        )
        from django.db.models import F

        InboundEmail.objects.filter(pk=inbound_id).update(attempts=F("attempts") + 1)
        return "failed"


def inbound_retry(*, inbound_id: int) -> None:
    """An admin's "Process again" on a failed message."""
    from ecmp.mail.tasks import inbound_process

    if InboundEmail.objects.filter(pk=inbound_id, status=InboundEmail.Status.FAILED).exists():
        transaction.on_commit(partial(inbound_process.enqueue, inbound_id))
