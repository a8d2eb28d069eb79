"""The one way in for mail: store raw, then process in a task.

IMAP polling, the mailgate command and the SMTP/LMTP listener all call
`inbound_store`; the worker runs `inbound_handle_waiting` (every waiting message,
in batches). A processing error keeps the row with its error for an admin to
retry; the same message is processed once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from email import policy
from email.parser import BytesHeaderParser
from functools import partial

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ecmp.core.followups import enqueue_unless_waiting
from ecmp.mail.ids import MESSAGE_ID
from ecmp.mail.models import InboundEmail

# What processing writes on a stored message.
ROUTED_FIELDS = [
    *("sender", "subject", "status", "outcome", "reason", "ticket", "processed_at"),
    "last_error",
]


logger = logging.getLogger(__name__)

# Messages processed in one transaction. The other writers wait for a batch (on
# SQLite all of them, on PostgreSQL a new ticket for the counter row): a few
# milliseconds per message, longer for large ones, hence fewer of those at a time.
BATCH = 10
BATCH_BYTES = 5 * 1024 * 1024
BATCHES_PER_TASK = 20
# PostgreSQL's deadlock, serialization failure and lock not available: another
# worker's transaction was in the way, nothing is wrong with the message.
PASSING_CONFLICTS = {"40P01", "40001", "55P03"}


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
            transaction.on_commit(partial(_wake_worker, row.pk))
    except IntegrityError:
        return InboundEmail.objects.get(dedupe_key=key[:300]), False
    return row, True


def inbound_handle_waiting(inbound_ids: list[int]) -> dict[str, int]:
    """The worker's task: these messages, then every message still waiting.

    A burst of mail (an IMAP poll after a night, a mailing) is processed a batch per
    transaction rather than a task and a transaction per message. The loop ends when
    nothing is left, so a message stored before this task started is always taken;
    after BATCHES_PER_TASK batches it hands the rest to a new task (which has
    priority: see `inbound_enqueue`). The dispatch of what it made (acknowledgements,
    agents' notices) waits in the queue meanwhile, or runs in another worker.
    """
    counts: dict[str, int] = {}
    wanted = list(inbound_ids)
    for _round in range(BATCHES_PER_TASK):
        outcomes = _handle_batch(wanted)
        if not outcomes:
            return counts
        wanted = [pk for pk in wanted if pk not in outcomes]
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
    from ecmp.mail.tasks import inbound_enqueue

    inbound_enqueue(wanted)
    return counts


def _handle_batch(inbound_ids: list[int]) -> dict[int, str]:
    """Up to BATCH messages in one transaction, each in its own savepoint: one that
    fails is kept as failed with its error, and the others go on.

    A batch holds what it locked (the ticket counter, the tickets it replied to)
    until it commits: two workers can then wait for each other, and PostgreSQL
    cancels one. That message is not broken: it stays waiting and is taken again.
    """
    from ecmp.mail.inbound.route import batch_prepare, inbound_route

    # The ones asked for (a failed one too: an admin's retry), and any waiting.
    asked = Q(
        pk__in=inbound_ids, status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED]
    ) | Q(status=InboundEmail.Status.RECEIVED)
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        taken = list(
            InboundEmail.objects.select_for_update(skip_locked=True)
            .filter(asked)
            .order_by("received_at", "pk")
            .values_list("pk", "size")[:BATCH]
        )
        # Each message's raw bytes are in memory while the batch runs: large ones
        # go fewer at a time (the rest wait for the next batch, or another worker).
        chosen, total = [], 0
        for pk, size in taken:
            if chosen and total + size > BATCH_BYTES:
                break
            chosen.append(pk)
            total += size
        loaded = InboundEmail.objects.in_bulk(chosen)
        batch = batch_prepare([loaded[pk] for pk in chosen])
        for row in (loaded[pk] for pk in chosen):
            try:
                with transaction.atomic():
                    inbound_route(row, batch)
                    row.processed_at = timezone.now()
                    row.last_error = ""
                    # Never the raw message again: it can be megabytes, and it is never changed.
                    row.save(update_fields=ROUTED_FIELDS)
                batch.processed(row)
                outcomes[row.pk] = row.outcome
            except Exception as exc:
                if isinstance(exc, OperationalError) and (
                    getattr(exc.__cause__, "sqlstate", None) in PASSING_CONFLICTS
                ):
                    logger.info("message %s met another worker's locks: taken again", row.pk)
                    # Waiting again (an admin's retry of a failed one too): this task's
                    # next round, or the sweep, takes it. Its row is still ours.
                    InboundEmail.objects.filter(pk=row.pk).update(
                        status=InboundEmail.Status.RECEIVED
                    )
                    outcomes[row.pk] = "taken_again"
                    continue
                InboundEmail.objects.filter(pk=row.pk).update(
                    status=InboundEmail.Status.FAILED,
                    last_error=f"{type(exc).__name__}: {exc}".replace("\x00", "")[:2000],
                    attempts=F("attempts") + 1,
                )
                outcomes[row.pk] = "failed"
    return outcomes


def _wake_worker(inbound_id: int) -> None:
    """A task for this message, unless the last one enqueued here waits: it takes
    every message stored before it starts, so storing more needs no new task."""
    from ecmp.mail.tasks import inbound_enqueue, inbound_process

    enqueue_unless_waiting(inbound_process.module_path, lambda: inbound_enqueue([inbound_id]))


def inbound_retry(*, inbound_id: int) -> None:
    """An admin's "Process again" on a failed message."""
    from ecmp.mail.tasks import inbound_enqueue

    if InboundEmail.objects.filter(pk=inbound_id, status=InboundEmail.Status.FAILED).exists():
        transaction.on_commit(partial(inbound_enqueue, [inbound_id]))
