"""Every write of the mail app that people ask for: an admin's retry of an email
or of a failed message, and an agent's decisions on held mail (release it, make it
a ticket, add it to one, or discard it).

The worker's own work (sending the outbox, processing what came in, the sweeps)
lives in `tasks.py` and `inbound/pipeline.py`; a bounce marks its addresses through
`accounts.services.users_bouncing_mark`, the door of the User rows it changes.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.core.ids import is_id
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.route import batch_prepare, inbound_route, mail_body, mail_files
from ecmp.mail.models import InboundDecision, InboundEmail, OutboundEmail
from ecmp.mail.selectors import may_release
from ecmp.mail.tasks import inbound_enqueue, outbox_send
from ecmp.tickets import services as ticket_services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority

Action = InboundDecision.Action


def outbox_retry(*, email_id: int) -> bool:
    """An admin's "Retry now" on a failed or waiting email; False if there is no
    such email to retry (nothing is then enqueued: the worker never sees the id)."""
    if not is_id(email_id):
        return False
    retried = OutboundEmail.objects.filter(
        pk=email_id, status__in=[OutboundEmail.Status.FAILED, OutboundEmail.Status.QUEUED]
    ).update(status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now())
    if retried:
        transaction.on_commit(lambda: outbox_send.enqueue([email_id], due_only=True))
    return bool(retried)


def inbound_retry(*, inbound_id: int) -> None:
    """An admin's "Process again" on a failed message."""
    if InboundEmail.objects.filter(pk=inbound_id, status=InboundEmail.Status.FAILED).exists():
        transaction.on_commit(partial(inbound_enqueue, [inbound_id]))


# Held mail. Every decision is recorded (`InboundDecision`, and the audit log), with
# the verification the message had.


def _lock_held(inbound: InboundEmail, by: User, *, content: bool = True) -> InboundEmail:
    if not (by.is_active and by.is_support_staff):
        raise PermissionDenied
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
        raise PermissionDenied
    recorded = (row.verification, row.evidence)
    inbound_route(row, batch_prepare([row]), released_by=by)
    row.verification, row.evidence = recorded
    if row.status != InboundEmail.Status.PROCESSED or row.ticket is None:
        raise ValidationError(
            _("This message cannot be released: %(reason)s") % {"reason": row.reason},
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
