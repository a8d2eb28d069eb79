"""Every read of tickets that depends on who asks: the one door to a ticket.

A ticket the user may not see does not exist for them (404, never 403).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from ecmp.accounts.models import STAFF_ROLES, Organization, Role, User
from ecmp.core.access import is_staff_member
from ecmp.core.counting import count_of
from ecmp.core.prepared import INTEGER
from ecmp.core.prepared_rows import ConvertedRead, Joined, attnames
from ecmp.tickets.customer_files import customer_files
from ecmp.tickets.models import (
    Attachment,
    CannedReply,
    Category,
    Ticket,
    TicketEvent,
    TicketFollower,
)
from ecmp.tickets.search import customer_search_filter, search_filter
from ecmp.tickets.status import UNRESOLVED, Status


def parse_number(text: str | None) -> int | None:
    """A ticket number or id typed by a person ("1001", "#1001"), or None.

    Only ASCII digits count ("²".isdigit() is true, int("²") fails), and no more
    than a database integer holds.
    """
    text = (text or "").strip().lstrip("#")
    if text.isascii() and text.isdecimal() and len(text) < 10:
        return int(text)
    return None


def clean_search(text: str | None, limit: int = 200) -> str:
    """Search text as the database accepts it (PostgreSQL refuses NUL)."""
    return (text or "").replace("\x00", "").strip()[:limit]


class SupportTeams:
    """Who hears about a ticket on the support side: its assignee, or every agent.

    Made for a batch of events and handed to each of its subscribers: the staff is
    read once for the batch (at once if a ticket is unassigned), an assignee once.
    """

    def __init__(self, tickets: Iterable[Ticket]) -> None:
        unassigned = any(ticket.assignee_id is None for ticket in tickets)
        self._staff: list[User] | None = _active_staff() if unassigned else None
        # An inactive assignee is None: the ticket goes to every agent.
        self._assignees: dict[int, User | None] = {}

    def of(self, ticket: Ticket) -> list[User]:
        if ticket.assignee_id is not None:
            if ticket.assignee_id not in self._assignees:
                self._assignees[ticket.assignee_id] = User.objects.filter(
                    pk=ticket.assignee_id, is_active=True
                ).first()
            assignee = self._assignees[ticket.assignee_id]
            if assignee is not None:
                return [assignee]
        if self._staff is None:
            self._staff = _active_staff()
        return list(self._staff)


def _active_staff() -> list[User]:
    return list(User.objects.filter(role__in=STAFF_ROLES, is_active=True))


def tickets_visible_to(user: User, *, followed_read_first: bool = False) -> QuerySet[Ticket]:
    # What it asks of `user` beyond its ids is `visibility_shape` (below): keep them
    # together (notifications/selectors.py compiles the bell's count once per shape).
    if not (user.is_authenticated and user.is_active):
        return Ticket.objects.none()
    if user.is_support_staff:
        return Ticket.objects.all()
    mine = Q(requester=user)
    organization = user.organization
    if user.is_team_manager and organization is not None and organization.managers_see_all_tickets:
        mine |= Q(organization_id=organization.pk)
    # Followers (tickets/followers.py): the tickets they follow, only while they
    # belong to the ticket's organization; never the rest of the organization's. A
    # list reads their ids first (one small query; most people follow nothing):
    # the database then serves both sides of the OR from indexes, where a subquery
    # would make it read every ticket.
    followed = TicketFollower.objects.filter(user=user).values_list("ticket_id", flat=True)
    ids = list(followed) if followed_read_first else followed
    mine |= Q(pk__in=ids, organization_id=user.organization_id)
    return Ticket.objects.filter(mine)


def visibility_shape(user: User) -> tuple[bool, bool, bool]:
    """What `tickets_visible_to` depends on besides the user's and organization's ids:
    (support staff, has an organization, a manager who sees all its tickets)."""
    organization = user.organization
    sees_all = bool(
        user.is_team_manager and organization is not None and organization.managers_see_all_tickets
    )
    return user.is_support_staff, user.organization_id is not None, sees_all


def ticket_visible_to(user: User, ticket: Ticket) -> bool:
    """Whether `tickets_visible_to(user)` holds this ticket: its requester and the
    support team without a query (the rule's first cases), anyone else asked."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_support_staff or ticket.requester_id == user.pk:
        return True
    return tickets_visible_to(user).filter(pk=ticket.pk).exists()


# What a ticket's page reads: the ticket but its search words, its requester and
# assignee but their sign-in columns, its organization and category, and only the
# number of the ticket it follows up (`ticket_page_read`, at the end of this module).
_PEOPLE_UNREAD = ("password", "last_login", "is_superuser", "username", "date_joined")
_TICKET_PAGE = Joined(
    Ticket,
    attnames(Ticket, unread=("search_document",)),
    {
        "requester": attnames(User, unread=_PEOPLE_UNREAD),
        "organization": attnames(Organization),
        "assignee": attnames(User, unread=_PEOPLE_UNREAD),
        "related_to": ("id", "number"),
        "category": attnames(Category),
    },
)


def access_ticket(user: User, number: int | str) -> Ticket:
    """The ticket with this number if the user may see it; Http404 otherwise."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404 from None
    ticket = ticket_page_read(user, number)
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


# What a list's row shows (tickets/presentation.py's *_cells, desk/home.html):
# the lists read these columns only, not the description or the other dates (a
# third of a list page's database work was building fields no row shows).
_ROW_FIELDS = (
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "created_at",
    "last_activity_at",
    "sla_due_at",
    "first_response_at",
    "waiting_since",
    "requester",
    "organization",
    "assignee",
)


def ticket_list_for_customer(
    user: User, *, which: str = "open", text: str = "", sort: str = DEFAULT_SORT
) -> QuerySet[Ticket]:
    """One of the Service desk's three lists, filtered and sorted in the database."""
    tickets = tickets_visible_to(user, followed_read_first=True)
    text = clean_search(text)
    if text:
        # A search reads the three lists at once (the page says so), never a note.
        tickets = customer_search_filter(tickets, text, parse_number(text))
    elif which == "archive":
        tickets = tickets.filter(archived_at__isnull=False)
    elif which == "recent":
        tickets = tickets.filter(archived_at__isnull=True, status=Status.CLOSED)
    else:
        tickets = tickets.filter(archived_at__isnull=True, status__in=UNRESOLVED)
    field = SORTS.get(sort.lstrip("-"), "last_activity_at")
    direction = "-" if sort.startswith("-") else ""
    return (
        tickets.select_related("requester")
        .only(*_ROW_FIELDS, "requester__full_name")
        .order_by(f"{direction}{field}", "-number")
    )


def ticket_status_count_rows(user: User) -> QuerySet[Any, Any]:
    """(status, number) of the user's unarchived tickets, for each status they have
    (tickets/dashboard_reads.py compiles it)."""
    return (
        tickets_visible_to(user, followed_read_first=True)
        .filter(archived_at__isnull=True)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )


def ticket_status_counts_for(user: User) -> dict[str, int]:
    counts = {status: 0 for status in Status.values}
    counts.update({status: n for status, n in ticket_status_count_rows(user)})
    return counts


def ticket_thread_for_customer(ticket: Ticket) -> QuerySet[TicketEvent]:
    """What a customer's page shows: never an internal event, note or its files."""
    return _thread(TicketEvent.objects.filter(ticket=ticket, internal=False))


# The columns the thread shows (includes/thread.html): a long thread loads no more.
THREAD_FIELDS = (
    *("id", "ticket_id", "kind", "from_value", "to_value", "internal", "created_at"),
    *("actor__id", "actor__full_name", "actor__role", "message__id", "message__body"),
)


def _thread(events: QuerySet[TicketEvent]) -> QuerySet[TicketEvent]:
    """Events in order with their author, message and its files (`message.files`)."""
    files = Prefetch("message__attachments", Attachment.objects.order_by("id"), to_attr="files")
    return (
        events.select_related("actor", "message")
        .only(*THREAD_FIELDS)
        .prefetch_related(files)
        .order_by("created_at", "id")
    )


def ticket_opening_attachments(ticket: Ticket) -> QuerySet[Attachment]:
    """The files given when the ticket was opened (not part of any message)."""
    return ticket.attachments.filter(message__isnull=True).order_by("id")


def recent_events_for_customer(user: User, *, limit: int = 10) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.objects.filter(ticket__in=tickets_visible_to(user), internal=False)
        .select_related("ticket", "actor")
        .defer("ticket__search_document")
        .order_by("-created_at", "-id")[:limit]
    )


def attachment_for_customer(user: User, number: int | str, attachment_id: int) -> Attachment:
    """An attachment of a ticket the user may see: never an internal note's, nor a raw original."""
    ticket = access_ticket(user, number)
    attachment = customer_files(Attachment.objects.filter(ticket=ticket, pk=attachment_id)).first()
    if attachment is None:
        raise Http404
    return attachment


# --- The desk: every ticket, for the support team only -----------------------------

DESK_QUEUES = ("new", "mine", "open", "wait", "closed", "archived")
DESK_SORTS = {**SORTS, "due": "sla_due_at", "organization": "organization__name"}
DESK_DEFAULT_SORT = "due"


def ticket_list_for_desk(
    user: User,
    *,
    queue: str = "open",
    status: str = "",
    priority: int | None = None,
    organization_id: int | None = None,
    assignee: str = "",
    channel: str = "",
    text: str = "",
    sort: str = DESK_DEFAULT_SORT,
    category_id: int | None = None,
    waiting: str = "",
    assignee_id: int | None = None,
) -> QuerySet[Ticket]:
    """A desk queue with its filters, sorted and ready to paginate in the database.

    `waiting`: "yes", the tickets waiting for the customer's answer; "no", the others.
    `assignee_id`: an agent's id, as `assignee` in digits (tickets/queue_reads.py)."""
    if not is_staff_member(user):
        return Ticket.objects.none()
    tickets = Ticket.objects.all()
    if queue == "archived":
        tickets = tickets.filter(archived_at__isnull=False)
    else:
        # One condition, built alone (each filter costs the page a clone of the query).
        if queue == "new":
            tickets = tickets.filter(archived_at__isnull=True, status=Status.NEW)
        elif queue == "mine":
            tickets = tickets.filter(archived_at__isnull=True, assignee=user, status__in=UNRESOLVED)
        elif queue == "wait":
            tickets = tickets.filter(archived_at__isnull=True, status=Status.WAIT)
        elif queue == "closed":
            tickets = tickets.filter(archived_at__isnull=True, status=Status.CLOSED)
        else:
            tickets = tickets.filter(archived_at__isnull=True, status__in=UNRESOLVED)
    if status in Status.values:
        tickets = tickets.filter(status=status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if organization_id:
        tickets = tickets.filter(organization_id=organization_id)
    if assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee_id is not None:
        tickets = tickets.filter(assignee_id=assignee_id)
    elif parse_number(assignee) is not None:
        tickets = tickets.filter(assignee_id=parse_number(assignee))
    if channel:
        tickets = tickets.filter(channel=channel)
    if category_id:
        tickets = tickets.filter(category_id=category_id)
    if waiting in ("yes", "no"):
        tickets = tickets.filter(waiting_since__isnull=waiting == "no")
    text = clean_search(text)
    if text:
        tickets = search_filter(tickets, text, parse_number(text))
    key = sort.lstrip("-")
    field = DESK_SORTS.get(key, "sla_due_at")
    descending = sort.startswith("-")
    if getattr(Ticket._meta.get_field(field.split("__")[0]), "null", False) or "__" in field:
        # Tickets without a deadline (or a client) come last, both ways.
        expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    else:
        # Written plainly, so that an index on a non-null column serves both directions.
        expression = F(field).desc() if descending else F(field).asc()
    return (
        tickets.select_related("requester", "organization", "assignee", "category")
        .only(
            *_ROW_FIELDS,
            *("requester__full_name", "organization__name", "assignee__full_name"),
            *("version", "category", "category__name_en", "category__name_fr"),
        )
        .order_by(expression, "-number")
    )


def ticket_for_staff(user: User, number: int | str) -> Ticket:
    if not is_staff_member(user):
        raise Http404
    return access_ticket(user, number)


def ticket_thread_for_staff(ticket: Ticket) -> QuerySet[TicketEvent]:
    """Everything that happened, internal notes included."""
    return _thread(TicketEvent.objects.filter(ticket=ticket))


def attachment_for_staff(user: User, number: int | str, attachment_id: int) -> Attachment:
    ticket = ticket_for_staff(user, number)
    attachment = Attachment.objects.filter(ticket=ticket, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return attachment


def tickets_due_before(horizon: datetime) -> QuerySet[Ticket]:
    """Unresolved tickets whose next deadline is before `horizon`, most urgent first
    (the desk home's tickets at risk: tickets/queue_reads.py)."""
    return Ticket.objects.filter(
        archived_at__isnull=True, status__in=UNRESOLVED, sla_due_at__lt=horizon
    ).order_by("sla_due_at")


# --- Organizations, by their tickets (the desk's clients) -------------------------


def organization_list_for_staff(*, text: str = "") -> QuerySet[Organization]:
    """Each organization with its users and open tickets counted by a subquery each
    (counting both through joins multiplied every user by every ticket)."""
    organizations = Organization.objects.annotate(
        user_count=count_of(User.objects.filter(organization=OuterRef("pk"))),
        open_ticket_count=count_of(
            Ticket.objects.filter(
                organization=OuterRef("pk"), status__in=UNRESOLVED, archived_at__isnull=True
            )
        ),
    ).order_by("name")
    text = text.replace("\x00", "").strip()[:100]
    return organizations.filter(name__icontains=text) if text else organizations


def canned_replies_visible_to(user: User) -> QuerySet[CannedReply]:
    """The shared canned replies and the user's own; none for a customer."""
    if not is_staff_member(user):
        return CannedReply.objects.none()
    return CannedReply.objects.filter(Q(owner__isnull=True) | Q(owner=user))


def canned_reply_for_staff(user: User, pk: int) -> CannedReply:
    """One canned reply the user may use; another agent's own does not exist for them."""
    reply = canned_replies_visible_to(user).filter(pk=pk).first()
    if reply is None:
        raise Http404
    return reply


def canned_replies_for_picker(
    user: User, *, search: str = "", language: str = "", limit: int = 10
) -> list[CannedReply]:
    """The composer's picker: matching replies, the requester's language first,
    then the most used. One query."""
    replies = canned_replies_visible_to(user)
    search = clean_search(search, limit=100)
    if search:
        replies = replies.filter(Q(title__icontains=search) | Q(body__icontains=search))
    first_language = Case(When(language=language, then=Value(0)), default=Value(1))
    return list(replies.order_by(first_language, "-usage_count", "title", "pk")[:limit])


# --- Reads compiled once per shape of the visibility rule (core/prepared.py) -------


def visibility_stand_in(
    shape: tuple[bool, bool, bool], user_id: int = 0, organization_id: int | None = None
) -> User:
    """A user of `shape` (`visibility_shape`) with these ids: what `tickets_visible_to`
    gives them is the rule for every user of that shape, their ids as parameters."""
    staff, _has_organization, sees_all = shape
    user = User(pk=user_id, role=Role.AGENT if staff else Role.CUSTOMER, is_active=True)
    if organization_id is not None:
        user.is_team_manager = sees_all
        user.organization = Organization(pk=organization_id, managers_see_all_tickets=sees_all)
    return user


def visibility_ids(user: User) -> tuple[int, ...]:
    """The ids `tickets_visible_to(user)`'s statement takes, as `visibility_stand_in`
    takes them: none for the support team, then the user's, then their organization's."""
    if visibility_shape(user)[0]:
        return ()
    organization_id = user.organization_id
    return (user.pk,) if organization_id is None else (user.pk, organization_id)


def _ticket_page(*values: int, shape: tuple[bool, bool, bool]) -> QuerySet[Ticket]:
    *ids, number = values
    tickets = tickets_visible_to(visibility_stand_in(shape, *ids))
    # `number__in`: an exact lookup would refuse the compiler's placeholder (out of
    # the column's range); the number's range is checked before the read.
    return tickets.filter(number__in=[number]).values_list(*_TICKET_PAGE.columns)[:1]


_TICKET_PAGE_READS: dict[tuple[bool, bool, bool], ConvertedRead] = {}


def ticket_page_read(user: User, number: int) -> Ticket | None:
    """`access_ticket`'s read: `tickets_visible_to(user)`'s ticket of this number with
    its requester, organization, assignee, followed-up ticket and category (as
    `select_related` gives them), in one statement compiled once per shape of the
    rule: through the ORM, building it cost each ticket page 1.3-1.9 ms."""
    if not (user.is_authenticated and user.is_active):
        return None  # the rule's first case
    number_type = Ticket._meta.get_field("number").get_internal_type()
    low, high = connection.ops.integer_field_range(number_type)
    if not (low is None or low <= number) or not (high is None or number <= high):
        return None  # as the ORM answers a number out of the column's range: no row
    shape = visibility_shape(user)
    ids = visibility_ids(user)
    read = _TICKET_PAGE_READS.get(shape)
    if read is None:
        read = ConvertedRead(partial(_ticket_page, shape=shape), (INTEGER,) * (len(ids) + 1))
        _TICKET_PAGE_READS[shape] = read
    rows = read.rows(*ids, number)
    return _TICKET_PAGE.instance(rows[0]) if rows else None
