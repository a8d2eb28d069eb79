"""/api/v1/tickets: the same doors as the portal and the desk.

Every ticket is fetched with `access_ticket` (a customer's token sees the portal's
scope, 404 for the rest) and changed by the ticket services, which check who acts,
the transition table and the version: `If-Match` carries the version the client read
(the `ETag`), as the desk's forms carry theirs; a stale one is 412.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import Field

from ecmp.accounts.models import User
from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth, write_auth
from ecmp.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, ticket_page
from ecmp.api.problems import PreconditionFailed
from ecmp.api.selectors import ticket_list_for_api, ticket_messages_for_api
from ecmp.core.access import is_staff_member, require_staff
from ecmp.tickets.category_selectors import categories_active
from ecmp.tickets.models import Attachment, Category, Message, Ticket
from ecmp.tickets.selectors import access_ticket, ticket_opening_attachments
from ecmp.tickets.services import (
    ticket_accept,
    ticket_assign,
    ticket_reply,
    ticket_set_priority,
    ticket_transition,
)
from ecmp.tickets.services.categories import ticket_category_set
from ecmp.tickets.services.create import ticket_create, ticket_create_for_caller
from ecmp.tickets.status import Status

router = Router(tags=["tickets"])

P = schemas.Problem
READ_ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 412: P}
NUMBER = 2_147_483_647
# A ticket number in a path: what the database column holds.
TicketNumber = Annotated[int, Field(ge=1, le=NUMBER)]


def _named(person: Any) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.full_name or ""}


def _summary(ticket: Ticket) -> dict[str, Any]:
    category = ticket.category
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": _named(ticket.requester),
        "organization": {"id": ticket.organization.pk, "name": ticket.organization.name},
        "assignee": _named(ticket.assignee),
        "category": {"id": category.pk, "name": category.label()} if category else None,
        "created_at": ticket.created_at,
        "last_activity_at": ticket.last_activity_at,
        "waiting_for_customer": ticket.waiting_since is not None,
        "archived": ticket.archived_at is not None,
        "version": ticket.version,
    }


def _file(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author": _named(message.author),
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at,
        "attachments": [_file(f) for f in getattr(message, "files", ())],
    }


def _etag(response: HttpResponse, ticket: Ticket) -> None:
    response["ETag"] = f'"{ticket.version}"'


def ticket_document(user: User, number: TicketNumber, response: HttpResponse) -> dict[str, Any]:
    """The ticket as `user` may read it, read afresh (after a write: its new version)."""
    ticket = access_ticket(user, number)
    staff = is_staff_member(user)
    _etag(response, ticket)
    return {
        **_summary(ticket),
        "description": ticket.description,
        "attachments": [_file(f) for f in ticket_opening_attachments(ticket)],
        "requested_priority": ticket.requested_priority,
        "closed_at": ticket.closed_at,
        "first_response_at": ticket.first_response_at,
        "due_at": ticket.sla_due_at if staff else None,
        "messages": [_message(m) for m in ticket_messages_for_api(user, ticket)],
    }


def if_match(request: HttpRequest) -> int | None:
    """The version named by If-Match ("7", W/"7" or 7); None when absent or `*`."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdecimal() and len(value) < 10):
        raise PreconditionFailed
    return int(value)


def _category(pk: int | None, *, active_only: bool = False) -> Category | None:
    if pk is None:
        return None
    categories = categories_active() if active_only else Category.objects.all()
    category = categories.filter(pk=pk).first()
    if category is None:
        raise ValidationError(_("Unknown category."), code="category")
    return category


def _person(pk: int, message: str) -> User:
    person = User.objects.select_related("organization").filter(pk=pk).first()
    if person is None:
        raise ValidationError(message, code="person")
    return person


class TicketFilters(Schema):
    status: schemas.StatusName | None = None
    priority: int | None = Field(None, ge=1, le=4)
    archived: bool | None = Field(None, description="Only archived (true) or unarchived (false)")
    assignee: str | None = Field(
        None, pattern=r"^(none|me|[0-9]{1,9})$", description="An agent's id, `me` or `none`"
    )
    organization: int | None = Field(None, ge=1, le=NUMBER)
    requester: int | None = Field(None, ge=1, le=NUMBER)
    category: int | None = Field(None, ge=1, le=NUMBER)
    q: str = Field("", max_length=200, description="The search: words or a ticket number")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/tickets",
    response={200: schemas.TicketPage, **READ_ERRORS},
    auth=read_auth,
    summary="List tickets",
)
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Newest first. A customer's token lists what the portal shows them; the support
    team's every ticket. `q` is the desk's search for the support team (its 200 most
    recent matches), the portal's for customers (never internal notes)."""
    tickets = ticket_list_for_api(
        caller(request),
        status=filters.status,
        priority=filters.priority,
        archived=filters.archived,
        assignee=filters.assignee,
        organization=filters.organization,
        requester=filters.requester,
        category=filters.category,
        text=filters.q,
    )
    rows, next_cursor = ticket_page(tickets, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_summary(t) for t in rows], "next_cursor": next_cursor}


@router.post(
    "/tickets",
    response={201: schemas.TicketDetail, **READ_ERRORS},
    auth=write_auth,
    summary="Open a ticket",
)
def ticket_new(
    request: HttpRequest, payload: schemas.TicketCreate, response: HttpResponse
) -> Reply[dict[str, Any]]:
    """A customer opens a ticket as in the portal; an agent opens one for a client user
    (`requester`, required) as in the desk's New ticket."""
    user = caller(request)
    if is_staff_member(user):
        if payload.requester is None:
            raise ValidationError(_("Name the requester: a client user's id."), code="requester")
        ticket = ticket_create_for_caller(
            by=user,
            requester=_person(payload.requester, _("Unknown requester.")),
            subject=payload.subject,
            description=payload.description,
            priority=payload.priority,
            channel=payload.channel,
            category=_category(payload.category, active_only=True),
        )
    else:
        ticket = ticket_create(
            requester=user,
            subject=payload.subject,
            description=payload.description,
            priority=payload.priority,
            category=_category(payload.category, active_only=True),
        )
    return Reply(201, ticket_document(user, ticket.number, response))


@router.get(
    "/tickets/{number}",
    response={200: schemas.TicketDetail, **READ_ERRORS},
    auth=read_auth,
    summary="Read a ticket",
)
def ticket_read(
    request: HttpRequest, number: TicketNumber, response: HttpResponse
) -> dict[str, Any]:
    """With its messages (internal notes for the support team only). The `ETag` is the
    ticket's version: send it back in `If-Match` with a change."""
    return ticket_document(caller(request), number, response)


def _write(request: HttpRequest, number: TicketNumber) -> tuple[User, Ticket, int | None]:
    user = caller(request)
    version = if_match(request)
    return user, access_ticket(user, number), version


@router.post(
    "/tickets/{number}/replies",
    response={201: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Reply (public)",
)
def ticket_reply_new(
    request: HttpRequest,
    number: TicketNumber,
    payload: schemas.MessageCreate,
    response: HttpResponse,
) -> Reply[dict[str, Any]]:
    """A public message; a customer writing on a closed ticket reopens it."""
    user, ticket, version = _write(request, number)
    ticket_reply(ticket=ticket, author=user, body=payload.body, version=version)
    return Reply(201, ticket_document(user, number, response))


@router.post(
    "/tickets/{number}/notes",
    response={201: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Internal note (support team)",
)
def ticket_note_new(
    request: HttpRequest,
    number: TicketNumber,
    payload: schemas.MessageCreate,
    response: HttpResponse,
) -> Reply[dict[str, Any]]:
    user, ticket, version = _write(request, number)
    ticket_reply(ticket=ticket, author=user, body=payload.body, internal=True, version=version)
    return Reply(201, ticket_document(user, number, response))


@router.post(
    "/tickets/{number}/accept",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Accept (support team)",
)
def ticket_accept_view(
    request: HttpRequest, number: TicketNumber, response: HttpResponse
) -> dict[str, Any]:
    """New → Open; the agent becomes the assignee when nobody is."""
    user, ticket, version = _write(request, number)
    ticket_accept(ticket=ticket, actor=user, version=version)
    return ticket_document(user, number, response)


def _transition(
    request: HttpRequest, number: TicketNumber, status: str, response: HttpResponse, note: str = ""
) -> dict[str, Any]:
    user, ticket, version = _write(request, number)
    ticket_transition(ticket=ticket, actor=user, status=status, note=note, version=version)
    return ticket_document(user, number, response)


@router.post(
    "/tickets/{number}/wait",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Set to Wait (support team)",
)
def ticket_wait(
    request: HttpRequest, number: TicketNumber, response: HttpResponse
) -> dict[str, Any]:
    return _transition(request, number, Status.WAIT, response)


@router.post(
    "/tickets/{number}/close",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Close",
)
def ticket_close(
    request: HttpRequest, number: TicketNumber, payload: schemas.CloseIn, response: HttpResponse
) -> dict[str, Any]:
    """Customers may close their tickets; the note is public."""
    return _transition(request, number, Status.CLOSED, response, note=payload.note)


@router.post(
    "/tickets/{number}/reopen",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Reopen (support team)",
)
def ticket_reopen(
    request: HttpRequest, number: TicketNumber, response: HttpResponse
) -> dict[str, Any]:
    return _transition(request, number, Status.OPEN, response)


@router.post(
    "/tickets/{number}/assign",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Assign (support team)",
)
def ticket_assign_view(
    request: HttpRequest, number: TicketNumber, payload: schemas.AssignIn, response: HttpResponse
) -> dict[str, Any]:
    user, ticket, version = _write(request, number)
    # Checked before the agent is looked up: a customer learns nothing of who exists.
    require_staff(user)
    assignee = _person(payload.assignee, _("Unknown agent.")) if payload.assignee else None
    ticket_assign(ticket=ticket, actor=user, assignee=assignee, version=version)
    return ticket_document(user, number, response)


@router.post(
    "/tickets/{number}/priority",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="Change the priority (support team)",
)
def ticket_priority(
    request: HttpRequest, number: TicketNumber, payload: schemas.PriorityIn, response: HttpResponse
) -> dict[str, Any]:
    user, ticket, version = _write(request, number)
    ticket_set_priority(
        ticket=ticket,
        actor=user,
        priority=payload.priority,
        reason=payload.reason,
        version=version,
    )
    return ticket_document(user, number, response)


@router.post(
    "/tickets/{number}/category",
    response={200: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    summary="File under a category (support team)",
)
def ticket_category(
    request: HttpRequest, number: TicketNumber, payload: schemas.CategoryIn, response: HttpResponse
) -> dict[str, Any]:
    user, ticket, version = _write(request, number)
    require_staff(user)
    ticket_category_set(
        ticket=ticket, actor=user, category=_category(payload.category), version=version
    )
    return ticket_document(user, number, response)
