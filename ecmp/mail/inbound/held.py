"""What an agent does with held mail: make it a ticket, add it to one, or discard it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.route import _files
from ecmp.mail.models import InboundEmail
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority


def _lock_held(inbound: InboundEmail, by: User) -> InboundEmail:
    if not (by.is_active and by.is_support_staff):
        raise PermissionDenied
    locked = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if locked.status != InboundEmail.Status.HELD:
        raise ValidationError(_("This message was already handled."), code="handled")
    return locked


def _done(row: InboundEmail, by: User, status: str, outcome: str, ticket=None) -> None:
    row.status, row.outcome, row.handled_by = status, outcome, by
    row.ticket = ticket or row.ticket
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "outcome", "handled_by", "ticket", "processed_at"])


@transaction.atomic
def held_create_ticket(*, inbound: InboundEmail, by: User, requester: User) -> Ticket:
    row = _lock_held(inbound, by)
    raw = bytes(row.raw)
    mail = parse_message(raw)
    files, refused = _files(mail, raw, mail.text_from_html, requester.language)
    with translation.override(requester.language):
        body = mail.text or _("(The message had no text.)")
        subject = mail.subject or _("(no subject)")
    if refused:
        body += "\n\n" + "\n".join(f"[{line}]" for line in refused)
    ticket = services.ticket_create(
        requester=requester,
        subject=subject[: services.SUBJECT_MAX],
        description=body,
        priority=Priority.NORMAL,
        files=files,
        channel=Channel.EMAIL,
    )
    _done(row, by, InboundEmail.Status.PROCESSED, "ticket_created", ticket)
    return ticket


@transaction.atomic
def held_attach(*, inbound: InboundEmail, by: User, ticket: Ticket) -> Ticket:
    """Add a held message to a ticket as an internal note: its sender is not known to be
    someone the customer's conversation may show."""
    row = _lock_held(inbound, by)
    raw = bytes(row.raw)
    mail = parse_message(raw)
    files, refused = _files(mail, raw, True, by.language, ticket)
    header = _("Email from %(sender)s, subject “%(subject)s”:") % {
        "sender": mail.sender or "?",
        "subject": mail.subject,
    }
    body = f"{header}\n\n{mail.text}"
    if refused:
        body += "\n\n" + "\n".join(f"[{line}]" for line in refused)
    services.ticket_reply(ticket=ticket, author=by, body=body, files=files, internal=True)
    _done(row, by, InboundEmail.Status.PROCESSED, "attached", ticket)
    return ticket


@transaction.atomic
def held_discard(*, inbound: InboundEmail, by: User) -> None:
    row = _lock_held(inbound, by)
    _done(row, by, InboundEmail.Status.DISCARDED, "discarded")
