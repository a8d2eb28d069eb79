from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import require_staff
from ecmp.sla.selectors import contract_for_new_ticket
from ecmp.tickets.attachments import delete_stored, store_uploads, validate_uploads
from ecmp.tickets.events import event_record
from ecmp.tickets.models import NOT_ACKNOWLEDGED, Attachment, Category, EventKind, Ticket
from ecmp.tickets.search import search_text_add
from ecmp.tickets.selectors import ticket_visible_to
from ecmp.tickets.services.common import (
    SUBJECT_MAX,
    clean_text,
    effective_priority,
    next_number,
    sla_set_deadlines,
)
from ecmp.tickets.status import Channel, Priority


def may_request_tickets(person: User) -> bool:
    """An active client user of an active client company: who a ticket can be for."""
    return bool(
        person.is_active
        and person.is_customer
        and person.organization_id
        and person.organization is not None
        and person.organization.active
    )


def ticket_create(
    *,
    requester: User,
    subject: str,
    description: str,
    priority: int = Priority.NORMAL,
    files: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    related_to: Ticket | None = None,
    acknowledge: bool = True,
    category: Category | None = None,
) -> Ticket:
    """Open a ticket for a client user; nothing is saved if anything is refused.

    `acknowledge=False`: the request came from a machine (cron, a tool's notice),
    which must never be answered automatically; its creation event says so."""
    if not may_request_tickets(requester):
        raise PermissionDenied
    if related_to is not None and not ticket_visible_to(requester, related_to):
        raise PermissionDenied
    requested = priority if priority in Priority.values else Priority.NORMAL
    return _ticket_open(
        requester=requester,
        opened_by=requester,
        subject=subject,
        description=description,
        requested=requested,
        priority=effective_priority(requester, requested),
        files=files,
        channel=channel,
        related_to=related_to,
        acknowledge=acknowledge,
        category=category,
    )


def ticket_create_for_caller(
    *,
    by: User,
    requester: User | None,
    subject: str,
    description: str,
    priority: int,
    channel: str,
    files: Sequence[UploadedFile] = (),
    acknowledge: bool = True,
    category: Category | None = None,
) -> Ticket:
    """An agent opens a ticket for a client user who phoned, came by or wrote.

    The ticket is the requester's in every way (their portal, their emails); the
    creation event's actor is the agent, so the thread says who opened it. The
    agent may set any priority: a client's priority lock binds its users, not the
    support team. Nothing is saved if anything is refused."""
    require_staff(by)
    if requester is None or not may_request_tickets(requester):
        raise ValidationError(
            _(
                "Choose the requester among the active users of an active client "
                "company: tickets are opened for client users only."
            ),
            code="requester",
        )
    if channel not in Channel.values:
        raise ValidationError(_("Choose how the request came in."), code="channel")
    if priority not in Priority.values:
        raise ValidationError(_("Choose a priority."), code="priority")
    return _ticket_open(
        requester=requester,
        opened_by=by,
        subject=subject,
        description=description,
        requested=priority,
        priority=priority,
        files=files,
        channel=channel,
        related_to=None,
        acknowledge=acknowledge,
        category=category,
    )


def _ticket_open(
    *,
    requester: User,
    opened_by: User,
    subject: str,
    description: str,
    requested: int,
    priority: int,
    files: Sequence[UploadedFile],
    channel: str,
    related_to: Ticket | None,
    acknowledge: bool,
    category: Category | None = None,
) -> Ticket:
    """The one creation path, once who may open it for whom has been checked."""
    organization_id = requester.organization_id
    if organization_id is None:  # checked by the callers; the type does not know it
        raise PermissionDenied
    if category is not None and not category.active:
        raise ValidationError(
            _("The category “%(name)s” is no longer in use: choose another.")
            % {"name": category.label()},
            code="category",
        )
    subject = " ".join(clean_text(subject, what=_("Subject"), limit=SUBJECT_MAX).split())
    description = clean_text(description, what=_("Description"))
    validate_uploads(files)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket(
                number=next_number(),
                subject=subject,
                description=description,
                requester=requester,
                organization_id=organization_id,
                requested_priority=requested,
                priority=priority,
                channel=channel,
                related_to=related_to,
                category=category,
                created_at=now,
                last_activity_at=now,
                contract_id=contract_for_new_ticket(organization_id, timezone.localdate(now)),
            )
            sla_set_deadlines(ticket, since=now)
            ticket.save()
            search_text_add(ticket.pk, subject, description)
            store_uploads(files, ticket=ticket, message=None, uploader=opened_by, into=stored)
            event_record(
                ticket=ticket,
                actor=opened_by,
                kind=EventKind.CREATED,
                to_value="" if acknowledge else NOT_ACKNOWLEDGED,
            )
    except BaseException:
        delete_stored(stored)
        raise
    return ticket
