"""The API's reads: the web's access rules (tickets_visible_to, the searches, the
customer's files), shaped for the API's lists and documents."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ecmp.accounts.models import User
from ecmp.core.access import is_staff_member
from ecmp.tickets.customer_files import customer_files
from ecmp.tickets.desk_search import desk_search_tickets
from ecmp.tickets.models import Attachment, Message, Ticket
from ecmp.tickets.search import customer_search_filter
from ecmp.tickets.selectors import clean_search, parse_number, tickets_visible_to

# What a list's item shows: no description, no search document.
_LIST_FIELDS = (
    *("number", "subject", "status", "priority", "channel", "created_at"),
    *("last_activity_at", "waiting_since", "archived_at", "version"),
    *("requester__id", "requester__full_name", "organization__id", "organization__name"),
    *("assignee__id", "assignee__full_name", "category__id", "category__name_en"),
    "category__name_fr",
)


def ticket_list_for_api(
    user: User,
    *,
    status: str | None = None,
    priority: int | None = None,
    archived: bool | None = None,
    assignee: str | None = None,
    organization: int | None = None,
    requester: int | None = None,
    category: int | None = None,
    text: str = "",
) -> QuerySet[Ticket]:
    """The tickets `user` may see (the portal's scope for a customer, every ticket for
    the support team), filtered; the caller orders and pages.

    `text`: the desk's global search for the support team (its most recent matches:
    desk_search_tickets), the portal's search for a customer (never a note)."""
    staff = is_staff_member(user)
    tickets = tickets_visible_to(user, followed_read_first=True)
    text = clean_search(text)
    if text and staff:
        found, _older = desk_search_tickets(user, text)
        tickets = tickets.filter(pk__in=list(found.values_list("pk", flat=True)))
    elif text:
        tickets = customer_search_filter(tickets, text, parse_number(text))
    if status:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if archived is not None:
        tickets = tickets.filter(archived_at__isnull=not archived)
    if assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif parse_number(assignee) is not None:
        tickets = tickets.filter(assignee_id=parse_number(assignee))
    if organization:
        tickets = tickets.filter(organization_id=organization)
    if requester:
        tickets = tickets.filter(requester_id=requester)
    if category:
        tickets = tickets.filter(category_id=category)
    return tickets.select_related("requester", "organization", "assignee", "category").only(
        *_LIST_FIELDS
    )


def ticket_messages_for_api(user: User, ticket: Ticket) -> list[Message]:
    """A ticket's messages in order, each with its files (`files`): for a customer
    never an internal note, nor a file they may not see (tickets/customer_files.py)."""
    messages = Message.objects.filter(ticket=ticket)
    files = Attachment.objects.order_by("id")
    if not is_staff_member(user):
        messages = messages.filter(internal=False)
        files = customer_files(files)
    return list(
        messages.select_related("author")
        .only("id", "body", "internal", "created_at", "author__id", "author__full_name")
        .prefetch_related(Prefetch("attachments", files, to_attr="files"))
        .order_by("created_at", "id")
    )
