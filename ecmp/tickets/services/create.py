from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.tickets.attachments import delete_stored, store_uploads, validate_uploads
from ecmp.tickets.events import event_record
from ecmp.tickets.models import NOT_ACKNOWLEDGED, Attachment, EventKind, Ticket
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
) -> Ticket:
    """Open a ticket for a client user; nothing is saved if anything is refused.

    `acknowledge=False`: the request came from a machine (cron, a tool's notice),
    which must never be answered automatically; its creation event says so."""
    if not (requester.is_active and requester.is_customer and requester.organization_id):
        raise PermissionDenied
    if requester.organization is None or not requester.organization.active:
        raise PermissionDenied
    if related_to is not None and not ticket_visible_to(requester, related_to):
        raise PermissionDenied
    subject = " ".join(clean_text(subject, what=_("Subject"), limit=SUBJECT_MAX).split())
    description = clean_text(description, what=_("Description"))
    validate_uploads(files)
    requested = priority if priority in Priority.values else Priority.NORMAL
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            now = timezone.now()
            ticket = Ticket(
                number=next_number(),
                subject=subject,
                description=description,
                requester=requester,
                organization_id=requester.organization_id,
                requested_priority=requested,
                priority=effective_priority(requester, requested),
                channel=channel,
                related_to=related_to,
                created_at=now,
                last_activity_at=now,
            )
            sla_set_deadlines(ticket, since=now)
            ticket.save()
            search_text_add(ticket.pk, subject, description)
            store_uploads(files, ticket=ticket, message=None, uploader=requester, into=stored)
            event_record(
                ticket=ticket,
                actor=requester,
                kind=EventKind.CREATED,
                to_value="" if acknowledge else NOT_ACKNOWLEDGED,
            )
    except BaseException:
        delete_stored(stored)
        raise
    return ticket
