"""Mail work in the worker: sending the outbox, processing what came in, polling IMAP.

The top of the mail app: tasks call the services (every write), the selectors and
the inbound pipeline, and nothing in the app imports them back; what the app writes
reaches them after commit through `wakeups` (installed by MailConfig.ready()).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks import task

from ecmp.core.followups import worker_task
from ecmp.core.ids import possible_ids
from ecmp.mail import selectors, services, wakeups
from ecmp.mail.inbound.imap import imap_fetch
from ecmp.mail.inbound.pipeline import inbound_handle_waiting
from ecmp.mail.models import OutboundEmail

# Expiry transactions per run of `inbound_raw_expire` (each drops the raw bytes of
# up to services.EXPIRY_BATCH messages): short writes, then a task for the rest.
EXPIRY_BATCHES = 50


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
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    message.send(fail_silently=False)


@task(queue_name="mail")
@worker_task
def outbox_send(email_ids: list[int] | int, due_only: bool = False) -> dict[str, int]:
    """Send queued emails, all through one connection to the mail server.

    Each result is written as soon as its email is sent: a worker that dies in the
    middle of a batch leaves at most one email to be sent again.
    """
    ids = possible_ids([email_ids] if isinstance(email_ids, int) else email_ids, task="outbox_send")
    claimed = services.outbox_claim(email_ids=ids, due_only=due_only)
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
    now = timezone.now()
    lease = services.outbox_lease_renew(email=email, now=now)
    if lease is None:
        return "skipped"  # the sweep gave it back to the queue: another worker has it
    try:
        _deliver(email, connection)
    except Exception as exc:  # any failure of the server or the network: retry later
        _close_quietly(connection)  # the next email starts on a fresh connection
        gave_up = services.outbox_attempt_failed(
            email=email, lease=lease, error=f"{type(exc).__name__}: {exc}", started_at=now
        )
        return "failed" if gave_up else "retry"
    services.outbox_attempt_sent(email=email, lease=lease, started_at=now)
    return "sent"


@task(queue_name="mail")
def outbox_sweep() -> int:
    """Send what is due: retries, and rows whose first sending was lost."""
    now = timezone.now()
    services.outbox_reclaim_abandoned(now=now)
    due = selectors.outbox_due_ids(now=now)
    if due:
        outbox_send.call(due, due_only=True)
    return len(due)


@task(queue_name="mail")
def inbound_process(inbound_ids: list[int] | int) -> dict[str, int]:
    """These messages and every other one waiting, in batches (see `inbound_handle_waiting`)."""
    ids = [inbound_ids] if isinstance(inbound_ids, int) else inbound_ids
    counts, rest = inbound_handle_waiting(possible_ids(ids, task="inbound_process"))
    if rest is not None:  # this task's share is done: a new one takes the rest
        wakeups.inbound_enqueue(rest)
    return counts


@task(queue_name="mail")
def inbound_sweep() -> int:
    """Process what was stored but not processed (a lost task, a worker killed)."""
    waiting = selectors.inbound_waiting_ids(stored_before=timezone.now() - timedelta(minutes=2))
    if waiting:
        inbound_process.call(waiting)
    return len(waiting)


@task(queue_name="mail")
def inbound_raw_expire() -> int:
    """Drop the raw bytes of held, discarded and ignored mail older than
    ECMP_MAIL_HELD_DAYS; returns how many. Their bytes then no longer count in the
    held-mail quotas (which read only rows whose raw is kept)."""
    cutoff = timezone.now() - timedelta(days=settings.ECMP_MAIL_HELD_DAYS)
    purged = 0
    for _round in range(EXPIRY_BATCHES):
        dropped = services.inbound_raw_drop(received_before=cutoff)
        if not dropped:
            return purged
        purged += dropped
    inbound_raw_expire.enqueue()  # a long backlog: the rest in a task of its own
    return purged


@task(queue_name="mail")
def imap_poll() -> int:
    if not settings.ECMP_IMAP_HOST:
        return 0
    return imap_fetch()
