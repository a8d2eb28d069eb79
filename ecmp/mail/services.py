"""Every write of the mail app: an admin's retry of an email or of a failed
message, an agent's decisions on held mail (release it, make it a ticket, add it to
one, or discard it), and the worker's own bookkeeping (claiming and recording the
outbox's attempts, giving back what a killed worker left, a failed message's error,
the expiry of held mail's raw bytes).

The tasks (`tasks.py`) call these and do the rest (SMTP, the loops); storing and
routing a received message is the inbound pipeline's own door
(`inbound/pipeline.py`). A bounce marks its addresses through
`accounts.services.users_bouncing_mark`, the door of the User rows it changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.core.access import require_staff
from ecmp.core.ids import is_id
from ecmp.mail import wakeups
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.route import batch_prepare, inbound_route, mail_body, mail_files
from ecmp.mail.models import InboundDecision, InboundEmail, OutboundEmail
from ecmp.mail.reasons import reason_label
from ecmp.mail.selectors import may_release
from ecmp.tickets import services as ticket_services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority

Action = InboundDecision.Action

# Minutes to wait after each failed attempt; the last delay repeats until a day has passed.
BACKOFF_MINUTES = [1, 5, 15, 30, 60, 120, 240]
# How long a worker holds the emails it claimed before the sweep gives them back.
LEASE = timedelta(minutes=10)


def outbox_retry(*, email_id: int) -> bool:
    """An admin's "Retry now" on a failed or waiting email; False if there is no
    such email to retry (nothing is then enqueued: the worker never sees the id)."""
    if not is_id(email_id):
        return False
    retried = OutboundEmail.objects.filter(
        pk=email_id, status__in=[OutboundEmail.Status.FAILED, OutboundEmail.Status.QUEUED]
    ).update(status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now())
    if retried:
        wakeups.outbox_send_now_after_commit(email_id)
    return bool(retried)


def inbound_retry(*, inbound_id: int) -> None:
    """An admin's "Process again" on a failed message."""
    if InboundEmail.objects.filter(pk=inbound_id, status=InboundEmail.Status.FAILED).exists():
        transaction.on_commit(partial(wakeups.inbound_enqueue, [inbound_id]))


# The outbox, for the worker that sends it (tasks.outbox_send and the sweep). A
# worker claims its emails with a lease, and records each attempt only while the
# email is still its own: if the lease ran out and the sweep gave the email back,
# another worker has it.


def outbox_claim(*, email_ids: list[int], due_only: bool) -> list[OutboundEmail]:
    """Take these emails for this worker, in one transaction: the ones still queued
    (and due, with `due_only`) and not locked by another worker (which has them, and
    sends them)."""
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
    prefetch_related_objects(claimed, "attachments")  # one read for the batch's files
    return claimed


def outbox_lease_renew(*, email: OutboundEmail, now: datetime) -> datetime | None:
    """The lease under which this claimed email is sent: renewed once half of it is
    spent (a long batch); None if the email is no longer this worker's."""
    lease = email.next_attempt_at
    if lease - now < LEASE / 2:
        renewed = now + LEASE
        mine = OutboundEmail.objects.filter(
            pk=email.pk, status=OutboundEmail.Status.SENDING, next_attempt_at=lease
        )
        if not mine.update(next_attempt_at=renewed):
            return None
        lease = renewed
    return lease


def _still_mine(email: OutboundEmail, lease: datetime) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        pk=email.pk, status=OutboundEmail.Status.SENDING, next_attempt_at=lease
    )


def outbox_attempt_sent(*, email: OutboundEmail, lease: datetime, started_at: datetime) -> None:
    _still_mine(email, lease).update(
        status=OutboundEmail.Status.SENT,
        sent_at=started_at,
        attempts=email.attempts + 1,
        last_error="",
    )


def outbox_attempt_failed(
    *, email: OutboundEmail, lease: datetime, error: str, started_at: datetime
) -> bool:
    """Record a failed attempt: queued again after a growing delay, or failed for
    good once ECMP_OUTBOX_RETRY_HOURS have passed (True: given up)."""
    attempts = email.attempts + 1
    give_up = started_at >= email.created_at + timedelta(hours=settings.ECMP_OUTBOX_RETRY_HOURS)
    delay = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    _still_mine(email, lease).update(
        status=OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.QUEUED,
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=started_at + timedelta(minutes=delay),
    )
    return give_up


def outbox_reclaim_abandoned(*, now: datetime) -> int:
    """A worker that died while sending left its emails claimed: give them back to
    the queue once their lease has run out."""
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, next_attempt_at__lt=now
    ).update(status=OutboundEmail.Status.QUEUED)


# Received mail, for the worker.


def inbound_failed(*, inbound_id: int, error: str) -> None:
    """Processing this message failed: kept as failed, with its error, for an admin
    to retry ("Process again")."""
    InboundEmail.objects.filter(pk=inbound_id).update(
        status=InboundEmail.Status.FAILED,
        last_error=error.replace("\x00", "")[:2000],
        attempts=F("attempts") + 1,
    )


def inbound_requeue(*, inbound_id: int) -> None:
    """Another worker's locks were in the way, nothing is wrong with the message: it
    waits again (an admin's retry of a failed one too), for the next batch or the sweep."""
    InboundEmail.objects.filter(pk=inbound_id).update(status=InboundEmail.Status.RECEIVED)


# Raw bytes dropped per transaction: a short write that never holds the other
# writers up for long (SQLite has one writer).
EXPIRY_BATCH = 200
# Mail nobody turned into a ticket or a reply: its raw bytes go after
# ECMP_MAIL_HELD_DAYS, its row (sender, subject, decision, verification) stays.
EXPIRING = [InboundEmail.Status.HELD, InboundEmail.Status.DISCARDED, InboundEmail.Status.IGNORED]


@transaction.atomic
def inbound_raw_drop(*, received_before: datetime) -> int:
    """Drop the raw bytes of up to EXPIRY_BATCH held, discarded or ignored messages
    received before this time; returns how many (0: none is left)."""
    # Status by status, each a range of the inbox_status index.
    chosen: list[int] = []
    for status in EXPIRING:
        room = EXPIRY_BATCH - len(chosen)
        if room <= 0:
            break
        chosen += InboundEmail.objects.filter(
            status=status, received_at__lt=received_before, raw_purged_at__isnull=True
        ).values_list("pk", flat=True)[:room]
    if not chosen:
        return 0
    # The status again: an agent may have released one since it was read.
    return InboundEmail.objects.filter(
        pk__in=chosen, status__in=EXPIRING, raw_purged_at__isnull=True
    ).update(raw=b"", raw_purged_at=timezone.now())


# Held mail. Every decision is recorded (`InboundDecision`, and the audit log), with
# the verification the message had.


def _lock_held(inbound: InboundEmail, by: User, *, content: bool = True) -> InboundEmail:
    require_staff(by)
    locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if locked.status != InboundEmail.Status.HELD:
        raise ValidationError(_("This message was already handled."), code="handled")
    if content and locked.raw_purged_at is not None:
        raise ValidationError(
            _("This message is no longer kept: only its sender and subject remain."),
            code="purged",
        )
    return locked


def _done(
    row: InboundEmail, by: User, action: str, status: str, ticket: Ticket | None = None
) -> None:
    row.status, row.outcome, row.handled_by = status, action, by
    row.ticket = ticket or row.ticket
    row.processed_at = timezone.now()
    if status == InboundEmail.Status.PROCESSED:
        # An agent took it in: it is no longer a stranger's mail that fills the
        # held-mail quotas (discarded mail counts until its bytes expire).
        row.in_held_quota = False
    fields = ["status", "outcome", "handled_by", "ticket", "processed_at", "reply", "in_held_quota"]
    row.save(update_fields=[*fields, "sender", "subject", "reason"])
    InboundDecision.objects.create(
        inbound=row, actor=by, action=action, verification=row.verification
    )
    changes: dict[str, list[object]] = {"status": [InboundEmail.Status.HELD, status]}
    if row.ticket is not None:
        changes["ticket"] = [None, row.ticket.number]
    audit_record(
        AuditEvent.Kind.HELD_MAIL_DISCARDED
        if action == Action.DISCARDED
        else AuditEvent.Kind.HELD_MAIL_RELEASED,
        actor=by,
        target=row,
        changes=changes,
        detail=row.sender,
    )


@transaction.atomic
def held_release(*, inbound: InboundEmail, by: User) -> Ticket:
    """Process a message held because its sender is not proven as if it were: the
    agent vouches for it. Its verification record stays as it was."""
    row = _lock_held(inbound, by)
    if not may_release(row, by):
        raise PermissionDenied  # an agent may not vouch for another agent's mail
    recorded = (row.verification, row.evidence)
    inbound_route(row, batch_prepare([row]), released_by=by)
    row.verification, row.evidence = recorded
    if row.status != InboundEmail.Status.PROCESSED or row.ticket is None:
        raise ValidationError(
            _("This message cannot be released: %(reason)s") % {"reason": reason_label(row.reason)},
            code="still_held",
        )
    row.reason = f"released by {by.email}"
    _done(row, by, Action.RELEASED, InboundEmail.Status.PROCESSED, row.ticket)
    return row.ticket


@transaction.atomic
def held_create_ticket(*, inbound: InboundEmail, by: User, requester: User) -> Ticket:
    row = _lock_held(inbound, by)
    mail = parse_message(bytes(row.raw))
    files, refused = mail_files(mail, requester.language)
    with translation.override(requester.language):
        subject = mail.subject or _("(no subject)")
    ticket = ticket_services.ticket_create(
        requester=requester,
        subject=subject[: ticket_services.SUBJECT_MAX],
        description=mail_body(mail, mail.text, refused, requester.language),
        priority=Priority.NORMAL,
        files=files,
        channel=Channel.EMAIL,
    )
    _done(row, by, Action.TICKET_CREATED, InboundEmail.Status.PROCESSED, ticket)
    return ticket


@transaction.atomic
def held_attach(*, inbound: InboundEmail, by: User, ticket: Ticket) -> Ticket:
    """Add a held message to a ticket as an internal note: its sender is not known to be
    someone the customer's conversation may show."""
    row = _lock_held(inbound, by)
    mail = parse_message(bytes(row.raw))
    files, refused = mail_files(mail, by.language, ticket)
    header = _("Email from %(sender)s, subject “%(subject)s”:") % {
        "sender": mail.sender or "?",
        "subject": mail.subject,
    }
    body = f"{header}\n\n{mail_body(mail, mail.text, refused, by.language)}"
    row.reply = ticket_services.ticket_reply(
        ticket=ticket, author=by, body=body, files=files, internal=True
    )
    _done(row, by, Action.ATTACHED, InboundEmail.Status.PROCESSED, ticket)
    return ticket


@transaction.atomic
def held_discard(*, inbound: InboundEmail, by: User) -> None:
    row = _lock_held(inbound, by, content=False)
    _done(row, by, Action.DISCARDED, InboundEmail.Status.DISCARDED)
