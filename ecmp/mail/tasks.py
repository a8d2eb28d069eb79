"""Mail work in the worker: sending the outbox, processing what came in, polling IMAP."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResult, task

from ecmp.core.followups import worker_task
from ecmp.core.ids import possible_ids
from ecmp.mail.models import InboundEmail, OutboundEmail

# Minutes to wait after each failed attempt; the last delay repeats until a day has passed.
BACKOFF_MINUTES = [1, 5, 15, 30, 60, 120, 240]
LEASE = timedelta(minutes=10)


def _claim(email_ids: list[int], *, due_only: bool) -> list[OutboundEmail]:
    """Take these emails for this worker, in one transaction: the ones still queued
    and not locked by another worker (which has them, and sends them)."""
    now = timezone.now()
    with transaction.atomic():
        rows = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
            pk__in=email_ids, status=OutboundEmail.Status.QUEUED
        )
        if due_only:
            rows = rows.filter(next_attempt_at__lte=now)
        claimed = list(rows.order_by("pk"))
        lease = now + LEASE
        OutboundEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(
            status=OutboundEmail.Status.SENDING, next_attempt_at=lease
        )
    for email in claimed:
        email.status, email.next_attempt_at = OutboundEmail.Status.SENDING, lease
    return claimed


def _deliver(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    headers = {"Message-ID": email.message_id, **email.headers}
    reply_to = headers.pop("Reply-To", None)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
        connection=connection,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    message.send(fail_silently=False)


@task(queue_name="mail")
@worker_task
def outbox_send(email_ids: list[int] | int, due_only: bool = False) -> dict[str, int]:
    """Send queued emails, all through one connection to the mail server.

    Each result is written as soon as its email is sent: a worker that dies in the
    middle of a batch leaves at most one email to be sent again.
    """
    ids = possible_ids([email_ids] if isinstance(email_ids, int) else email_ids, task="outbox_send")
    claimed = _claim(ids, due_only=due_only)
    outcomes = {"skipped": len(ids) - len(claimed)} if len(claimed) < len(ids) else {}
    connection = get_connection()
    # If the server is down, each email then tries and records why it failed.
    with contextlib.suppress(Exception):
        connection.open()
    try:
        for email in claimed:
            outcome = _send_one(email, connection=connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        _close_quietly(connection)
    return outcomes


def _close_quietly(connection: BaseEmailBackend) -> None:
    with contextlib.suppress(Exception):  # a dead connection is dropped all the same
        connection.close()


def _send_one(email: OutboundEmail, *, connection: BaseEmailBackend) -> str:
    # Renew this email's lease before sending it once half of it is spent: if a long
    # batch outlived the lease and the sweep gave the email back to the queue,
    # another worker has it.
    now = timezone.now()
    lease = email.next_attempt_at
    if lease - now < LEASE / 2:
        lease = now + LEASE
        mine = OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.SENDING, next_attempt_at=email.next_attempt_at
        )
        if not mine.update(next_attempt_at=lease):
            return "skipped"
    still_mine = OutboundEmail.objects.filter(
        pk=email.pk, status=OutboundEmail.Status.SENDING, next_attempt_at=lease
    )
    try:
        _deliver(email, connection)
    except Exception as exc:  # any failure of the server or the network: retry later
        _close_quietly(connection)  # the next email starts on a fresh connection
        attempts = email.attempts + 1
        give_up = now >= email.created_at + timedelta(hours=settings.ECMP_OUTBOX_RETRY_HOURS)
        delay = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        still_mine.update(
            status=OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=now + timedelta(minutes=delay),
        )
        return "failed" if give_up else "retry"
    still_mine.update(
        status=OutboundEmail.Status.SENT, sent_at=now, attempts=email.attempts + 1, last_error=""
    )
    return "sent"


@task(queue_name="mail")
def outbox_sweep() -> int:
    """Send what is due: retries, and rows whose first sending was lost."""
    now = timezone.now()
    # A worker that died while sending left its row claimed: give it back.
    OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, next_attempt_at__lt=now
    ).update(status=OutboundEmail.Status.QUEUED)
    due = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
    if due:
        outbox_send.call(due, due_only=True)
    return len(due)


@task(queue_name="mail")
def inbound_process(inbound_ids: list[int] | int) -> dict[str, int]:
    """These messages and every other one waiting, in batches (see `inbound_handle_waiting`)."""
    from ecmp.mail.inbound.pipeline import inbound_handle_waiting

    ids = [inbound_ids] if isinstance(inbound_ids, int) else inbound_ids
    return inbound_handle_waiting(possible_ids(ids, task="inbound_process"))


# Mail becomes tickets first, then their notices go out: during a burst the worker
# turns every waiting message into a ticket or a reply (each then safe and in the
# agents' queue) before it dispatches what they set off. Where the queue has no
# priorities (Redis), run the workers with the mail queue first.
INBOUND_PRIORITY = 10


def inbound_enqueue(inbound_ids: list[int]) -> TaskResult[dict[str, int]]:
    """Enqueue `inbound_process`, ahead of other work where the queue allows it."""
    process = inbound_process
    if process.get_backend().supports_priority:
        process = process.using(priority=INBOUND_PRIORITY)
    return process.enqueue(inbound_ids)


@task(queue_name="mail")
def inbound_sweep() -> int:
    """Process what was stored but not processed (a lost task, a worker killed)."""
    stale = timezone.now() - timedelta(minutes=2)
    waiting = list(
        InboundEmail.objects.filter(status=InboundEmail.Status.RECEIVED, received_at__lt=stale)
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
    if waiting:
        inbound_process.call(waiting)
    return len(waiting)


# Raw bytes dropped per transaction, and transactions per run of the expiry: short
# writes that never hold the other writers up for long (SQLite has one writer).
EXPIRY_BATCH = 200
EXPIRY_BATCHES = 50
# Mail nobody turned into a ticket or a reply: its raw bytes go after
# ECMP_MAIL_HELD_DAYS, its row (sender, subject, decision, verification) stays.
EXPIRING = [InboundEmail.Status.HELD, InboundEmail.Status.DISCARDED, InboundEmail.Status.IGNORED]


@task(queue_name="mail")
def inbound_raw_expire() -> int:
    """Drop the raw bytes of held, discarded and ignored mail older than
    ECMP_MAIL_HELD_DAYS; returns how many. Their bytes then no longer count in the
    held-mail quotas (which read only rows whose raw is kept)."""
    cutoff = timezone.now() - timedelta(days=settings.ECMP_MAIL_HELD_DAYS)
    purged = 0
    for _round in range(EXPIRY_BATCHES):
        with transaction.atomic():
            # Status by status, each a range of the inbox_status index.
            chosen: list[int] = []
            for status in EXPIRING:
                room = EXPIRY_BATCH - len(chosen)
                if room <= 0:
                    break
                chosen += InboundEmail.objects.filter(
                    status=status, received_at__lt=cutoff, raw_purged_at__isnull=True
                ).values_list("pk", flat=True)[:room]
            if not chosen:
                return purged
            # The status again: an agent may have released one since it was read.
            purged += InboundEmail.objects.filter(
                pk__in=chosen, status__in=EXPIRING, raw_purged_at__isnull=True
            ).update(raw=b"", raw_purged_at=timezone.now())
    inbound_raw_expire.enqueue()  # a long backlog: the rest in a task of its own
    return purged


@task(queue_name="mail")
def imap_poll() -> int:
    from ecmp.mail.inbound.imap import imap_fetch

    if not settings.ECMP_IMAP_HOST:
        return 0
    return imap_fetch()
