"""Every read of tickets that depends on who asks: the one door to a ticket.

A ticket the user may not see does not exist for them (404, never 403).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ecmp.accounts.models import User
from ecmp.tickets.models import Attachment, Ticket, TicketEvent
from ecmp.tickets.status import UNRESOLVED, Status


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    if not (user.is_authenticated and user.is_active):
        return Ticket.objects.none()
    if user.is_support_staff:
        return Ticket.objects.all()
    mine = Q(requester=user)
    organization = user.organization
    if user.is_team_manager and organization is not None and organization.managers_see_all_tickets:
        mine |= Q(organization_id=organization.pk)
    return Ticket.objects.filter(mine)


def access_ticket(user: User, number: int | str) -> Ticket:
    """The ticket with this number if the user may see it; Http404 otherwise."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404 from None
    ticket = (
        tickets_visible_to(user)
        .select_related("requester", "organization", "assignee", "related_to")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


CUSTOMER_LISTS = ("open", "recent", "archive")
SORTS = {
    "number": "number",
    "subject": "subject",
    "status": "status",
    "priority": "priority",
    "created": "created_at",
    "activity": "last_activity_at",
}
DEFAULT_SORT = "-activity"


def ticket_list_for_customer(
    user: User, *, which: str = "open", text: str = "", sort: str = DEFAULT_SORT
) -> QuerySet[Ticket]:
    """One of the Service desk's three lists, filtered and sorted in the database."""
    tickets = tickets_visible_to(user)
    if which == "archive":
        tickets = tickets.filter(archived_at__isnull=False)
    elif which == "recent":
        tickets = tickets.filter(archived_at__isnull=True, status=Status.CLOSED)
    else:
        tickets = tickets.filter(archived_at__isnull=True, status__in=UNRESOLVED)
    text = text.strip()[:200]
    if text:
        match = Q(subject__icontains=text)
        if text.lstrip("#").isdigit():
            match |= Q(number=int(text.lstrip("#")))
        tickets = tickets.filter(match)
    field = SORTS.get(sort.lstrip("-"), "last_activity_at")
    direction = "-" if sort.startswith("-") else ""
    return tickets.select_related("requester").order_by(f"{direction}{field}", "-number")


def ticket_status_counts_for(user: User) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        tickets_visible_to(user)
        .filter(archived_at__isnull=True)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {status: 0 for status in Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def ticket_thread_for_customer(ticket: Ticket) -> QuerySet[TicketEvent]:
    """What a customer's page shows: never an internal event, note or its files."""
    return (
        TicketEvent.objects.filter(ticket=ticket, internal=False)
        .select_related("actor", "message")
        .prefetch_related(
            Prefetch("message__attachments", queryset=Attachment.objects.order_by("id"))
        )
        .order_by("created_at", "id")
    )


def ticket_opening_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    """The files given when the ticket was opened (not part of any message)."""
    return ticket.attachments.filter(message__isnull=True).order_by("id")


def recent_events_for_customer(user: User, *, limit: int = 10) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.objects.filter(ticket__in=tickets_visible_to(user), internal=False)
        .select_related("ticket", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


def attachment_for_customer(user: User, number: int | str, attachment_id: int) -> Attachment:
    """An attachment of a ticket the user may see, and never one of an internal note."""
    ticket = access_ticket(user, number)
    attachment = (
        Attachment.objects.filter(ticket=ticket, pk=attachment_id)
        .exclude(message__internal=True)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment
