from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import is_staff_member
from ecmp.tickets.attachments import delete_stored, store_uploads, validate_uploads
from ecmp.tickets.events import event_record
from ecmp.tickets.models import Attachment, EventKind, Message, Ticket
from ecmp.tickets.search import search_text_add
from ecmp.tickets.services.common import (
    SLA_FIELDS,
    clean_text,
    lock,
    refresh,
    require_writable_by,
    save,
    sla_refresh,
    sla_set_deadlines,
)
from ecmp.tickets.services.waiting import waiting_stop
from ecmp.tickets.services.workflow import STATUS_FIELDS, apply_status, check_transition
from ecmp.tickets.status import Status


def ticket_reply(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    files: Sequence[UploadedFile] = (),
    internal: bool = False,
    version: int | None = None,
    already_locked: bool = False,
    status: str | None = None,
) -> Message:
    """Add a message; a customer writing on a closed ticket reopens it.

    An internal note is for the support team only and changes nothing the
    customer sees. `already_locked`: `ticket` comes from `lock_number` in the
    caller's transaction (mail routing), so it is not read again. `status`: an
    agent's "Send and wait" / "Send and close", the move along the transition
    table in the same transaction; a public reply that closes rides on the close's
    event (one email for the customer, the reply in it), as a close's note does.
    """
    if (internal or status) and not is_staff_member(author):
        raise PermissionDenied
    body = clean_text(body, what=_("Your message"))
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = lock(ticket, version=version, already_locked=already_locked)
            require_writable_by(locked, author)
            if status:
                check_transition(locked, status)
            validate_uploads(files, ticket=locked)
            now = timezone.now()
            message = Message.objects.create(
                ticket=locked, author=author, body=body, internal=internal, created_at=now
            )
            search_text_add(locked.pk, body)
            store_uploads(files, ticket=locked, message=message, uploader=author, into=stored)
            closing_reply = status == Status.CLOSED and not internal
            if not closing_reply:
                event_record(
                    ticket=locked,
                    actor=author,
                    kind=EventKind.NOTE if internal else EventKind.REPLIED,
                    message=message,
                    internal=internal,
                )
            changed = [*SLA_FIELDS]
            if not internal:
                # An internal note must change nothing a customer sees, not even this.
                locked.last_activity_at = now
                changed.append("last_activity_at")
            if not internal and author.is_support_staff and locked.first_response_at is None:
                locked.first_response_at = now
                changed.append("first_response_at")
            if not internal and not author.is_support_staff:
                # The customer answered: the SLA clock runs again (services/waiting.py).
                changed += waiting_stop(locked, actor=author, now=now)
            if not internal and not author.is_support_staff and locked.status == Status.CLOSED:
                apply_status(locked, author, Status.OPEN, now=now)
                sla_set_deadlines(locked, since=now, resolution_only=True)
                changed += ["status", "closed_at"]
            if status:
                if locked.status == Status.CLOSED:
                    # A reopened ticket gets a fresh resolution target.
                    sla_set_deadlines(locked, since=now, resolution_only=True)
                apply_status(
                    locked, author, status, now=now, message=message if closing_reply else None
                )
                changed += STATUS_FIELDS
            sla_refresh(locked)
            save(locked, changed)
    except BaseException:
        delete_stored(stored)
        raise
    refresh(ticket, locked)
    ticket.waiting_since = locked.waiting_since
    return message


@transaction.atomic
def ticket_note_for_team(*, ticket: Ticket, author: User, body: str) -> Message:
    """An internal note written on behalf of a tool, not a person: a monitoring tool
    posting with a client's API token (ecmp/alerts) records facts for the support
    team ("resolved after 12 alerts"). `ticket_reply` refuses a customer's internal
    note (a person may not hide words from themself); this note is the token owner's
    tool's, for the team only, and changes nothing the customer sees: no status, no
    SLA, no email to them."""
    body = clean_text(body, what=_("Note"))
    locked = lock(ticket)
    message = Message.objects.create(
        ticket=locked, author=author, body=body, internal=True, created_at=timezone.now()
    )
    event_record(ticket=locked, actor=author, kind=EventKind.NOTE, message=message, internal=True)
    return message
