"""Every change of a ticket goes through here: the portal, the desk, inbound mail.

Each service locks the ticket row, checks who may do what and the transition
table, writes the change and its TicketEvent in one transaction. What follows
from an event (notifications, emails) runs after commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.tickets.attachments import delete_stored, store_uploads, validate_uploads
from ecmp.tickets.events import event_record
from ecmp.tickets.models import Attachment, EventKind, Message, Ticket, TicketCounter
from ecmp.tickets.selectors import tickets_visible_to
from ecmp.tickets.status import Channel, Priority, Status, can_transition

SUBJECT_MAX = 200


def _next_number() -> int:
    """The next ticket number; the counter row stays locked until the transaction ends."""
    if TicketCounter.objects.filter(pk=1).update(last_number=F("last_number") + 1):
        return TicketCounter.objects.values_list("last_number", flat=True).get(pk=1)
    try:
        with transaction.atomic():
            TicketCounter.objects.create(pk=1, last_number=settings.ECMP_TICKET_FIRST_NUMBER)
        return int(settings.ECMP_TICKET_FIRST_NUMBER)
    except IntegrityError:
        # Another process created the counter first: take the next number after it.
        return _next_number()


def _require_writable_by(ticket: Ticket, actor: User) -> None:
    if not (actor.is_active and tickets_visible_to(actor).filter(pk=ticket.pk).exists()):
        raise PermissionDenied
    if ticket.is_archived and not actor.is_support_staff:
        raise ValidationError(
            _("This ticket is archived: it can no longer be changed. Open a new ticket instead."),
            code="archived",
        )


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester", "organization")
        .get(pk=ticket.pk)
    )


def effective_priority(requester: User, requested: int) -> int:
    """A client company put on "Normal for every ticket" cannot choose another."""
    organization = requester.organization
    if organization is not None and organization.priority_locked:
        return Priority.NORMAL
    return requested if requested in Priority.values else Priority.NORMAL


def _clean_text(value: str, *, what: str, limit: int | None = None) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise ValidationError(_("%(what)s is required.") % {"what": what}, code="required")
    if limit is not None and len(value) > limit:
        raise ValidationError(
            _("%(what)s is too long (at most %(limit)s characters).")
            % {"what": what, "limit": limit},
            code="too_long",
        )
    return value


def ticket_create(
    *,
    requester: User,
    subject: str,
    description: str,
    priority: int = Priority.NORMAL,
    files: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    related_to: Ticket | None = None,
) -> Ticket:
    """Open a ticket for a client user; nothing is saved if anything is refused."""
    if not (requester.is_active and requester.is_customer and requester.organization_id):
        raise PermissionDenied
    if not requester.organization.active:
        raise PermissionDenied
    if (
        related_to is not None
        and not tickets_visible_to(requester).filter(pk=related_to.pk).exists()
    ):
        raise PermissionDenied
    subject = " ".join(_clean_text(subject, what=_("Subject"), limit=SUBJECT_MAX).split())
    description = _clean_text(description, what=_("Description"))
    validate_uploads(files)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket.objects.create(
                number=_next_number(),
                subject=subject,
                description=description,
                requester=requester,
                organization_id=requester.organization_id,
                requested_priority=priority if priority in Priority.values else Priority.NORMAL,
                priority=effective_priority(requester, priority),
                channel=channel,
                related_to=related_to,
                created_at=now,
                last_activity_at=now,
            )
            store_uploads(files, ticket=ticket, message=None, uploader=requester, into=stored)
            event_record(ticket=ticket, actor=requester, kind=EventKind.CREATED)
    except BaseException:
        delete_stored(stored)
        raise
    return ticket


def ticket_reply(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    files: Sequence[UploadedFile] = (),
    internal: bool = False,
) -> Message:
    """Add a message; a customer writing on a closed ticket reopens it."""
    if internal and not author.is_support_staff:
        raise PermissionDenied
    body = _clean_text(body, what=_("Your message"))
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = _lock(ticket)
            _require_writable_by(locked, author)
            validate_uploads(files, ticket=locked)
            now = timezone.now()
            message = Message.objects.create(
                ticket=locked, author=author, body=body, internal=internal, created_at=now
            )
            store_uploads(files, ticket=locked, message=message, uploader=author, into=stored)
            event_record(
                ticket=locked,
                actor=author,
                kind=EventKind.NOTE if internal else EventKind.REPLIED,
                message=message,
                internal=internal,
            )
            changed = ["last_activity_at"]
            locked.last_activity_at = now
            if not internal and author.is_support_staff and locked.first_response_at is None:
                locked.first_response_at = now
                changed.append("first_response_at")
            if not internal and not author.is_support_staff and locked.status == Status.CLOSED:
                _apply_status(locked, author, Status.OPEN, reopened=True, now=now)
                changed += ["status", "closed_at"]
            locked.save(update_fields=changed)
    except BaseException:
        delete_stored(stored)
        raise
    _refresh(ticket, locked)
    return message


def _apply_status(
    ticket: Ticket, actor: User, target: str, *, reopened: bool = False, now=None
) -> None:
    now = now or timezone.now()
    previous = ticket.status
    ticket.status = target
    ticket.closed_at = now if target == Status.CLOSED else None
    ticket.last_activity_at = now
    event_record(
        ticket=ticket,
        actor=actor,
        kind=EventKind.REOPENED if reopened else EventKind.STATUS,
        from_value=previous,
        to_value=target,
    )


def ticket_transition(*, ticket: Ticket, actor: User, status: str) -> Ticket:
    """Move a ticket along the transition table; customers may only close theirs."""
    with transaction.atomic():
        locked = _lock(ticket)
        _require_writable_by(locked, actor)
        if not actor.is_support_staff and status != Status.CLOSED:
            raise PermissionDenied
        if locked.status == status:
            raise ValidationError(_("The ticket is already in this status."), code="same")
        if not can_transition(locked.status, status):
            raise ValidationError(
                _("A ticket cannot go from %(from)s to %(to)s.")
                % {"from": Status(locked.status).label, "to": Status(status).label},
                code="transition",
            )
        reopened = locked.status == Status.CLOSED
        if locked.first_response_at is None and actor.is_support_staff:
            locked.first_response_at = timezone.now()
        _apply_status(locked, actor, status, reopened=reopened)
        locked.save(update_fields=["status", "closed_at", "last_activity_at", "first_response_at"])
    _refresh(ticket, locked)
    return ticket


def _refresh(ticket: Ticket, locked: Ticket) -> None:
    """Let the caller's object show what was written."""
    for field in ("status", "closed_at", "last_activity_at", "first_response_at"):
        setattr(ticket, field, getattr(locked, field))
