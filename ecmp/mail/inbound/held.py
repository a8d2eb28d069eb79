"""What an agent does with held mail: release it, make it a ticket, add it to one,
or discard it. Every decision is recorded (`InboundDecision`), with the
verification the message had."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Role, User
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.route import (
    VERIFICATION_HOLDS,
    batch_prepare,
    inbound_route,
    mail_body,
    mail_files,
)
from ecmp.mail.models import InboundDecision, InboundEmail
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority

Action = InboundDecision.Action


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


def _done(row: InboundEmail, by: User, action: str, status: str, ticket=None) -> None:
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
    changes: dict[str, list] = {"status": [InboundEmail.Status.HELD, status]}
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


def may_release(row: InboundEmail, by: User) -> bool:
    """A message held for want of proof of its sender (or for a DMARC failure): an
    admin may release it, an agent mail in their own name or in a customer's; never
    in another agent's."""
    if row.status != InboundEmail.Status.HELD or row.reason not in VERIFICATION_HOLDS:
        return False
    if by.role == Role.ADMIN or row.sender == by.email:
        return True
    named = User.objects.filter(email=row.sender).only("role").first()
    return named is not None and not named.is_support_staff


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
    ticket = services.ticket_create(
        requester=requester,
        subject=subject[: services.SUBJECT_MAX],
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
    row.reply = services.ticket_reply(
        ticket=ticket, author=by, body=body, files=files, internal=True
    )
    _done(row, by, Action.ATTACHED, InboundEmail.Status.PROCESSED, ticket)
    return ticket


@transaction.atomic
def held_discard(*, inbound: InboundEmail, by: User) -> None:
    row = _lock_held(inbound, by, content=False)
    _done(row, by, Action.DISCARDED, InboundEmail.Status.DISCARDED)
