"""Reads about a ticket's followers (issue 18 §4): who follows it, whom one may add,
the tickets a person follows, and, for the event dispatch, the followers of a batch.

Who may *see* a followed ticket is `selectors.tickets_visible_to` (the one rule);
every write is `services/followers.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet

from ecmp.accounts.models import Role, User
from ecmp.core.access import is_staff_member
from ecmp.core.prepared import prepared
from ecmp.tickets.models import Ticket, TicketFollower
from ecmp.tickets.selectors import (
    DEFAULT_SORT,
    SORTS,
    clean_search,
    parse_number,
    tickets_visible_to,
)

# What a row of the followed list shows (portal/followed.html).
_ROW_FIELDS = (
    *("number", "subject", "status", "priority", "created_at", "last_activity_at"),
    *("requester", "organization", "requester__full_name"),
)


class PanelPerson(NamedTuple):
    """A person of the follower panel, as its pages and the API show them: plain
    values (a model per row cost a ticket page about 0.25 ms for a client's 25
    people)."""

    pk: int
    email: str
    full_name: str
    organization_id: int | None
    role: str
    is_active: bool

    @property
    def is_support_staff(self) -> bool:
        return self.role in (Role.AGENT, Role.ADMIN)

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER


def is_follower_candidate(user: User | PanelPerson, ticket: Ticket) -> bool:
    """A customer who may follow `ticket`: an active member of its organization, and
    not its requester (who follows it anyway). The follower panel does not ask it
    per row: its statement (`_panel_people`) selects the same people in SQL, held to
    this rule by tests/test_followers.py."""
    return (
        user.is_active
        and user.is_customer
        and user.organization_id == ticket.organization_id
        and user.pk != ticket.requester_id
    )


@dataclass
class FollowerPanel:
    """The followers of a ticket as one person's page shows them, and whom that
    person may add. One query."""

    followers: list[PanelPerson]
    candidates: list[PanelPerson]
    # The viewer follows the ticket (an agent's Follow / Unfollow, a customer's Stop following).
    following: bool
    # The viewer may add and remove customers (the requester, an agent).
    may_manage: bool


# PanelPerson's fields, in its order.
_PANEL_FIELDS = ("id", "email", "full_name", "organization_id", "role", "is_active")


def _panel_people(
    ticket_id: int, requester_id: int, organization_id: int, *, with_candidates: bool
) -> QuerySet[Any, Any]:
    """The ticket's followers and, `with_candidates`, the active customers of its
    organization, but its requester: each with whether they follow it. Those who do
    not are the ticket's follower candidates (`is_follower_candidate`, in SQL)."""
    follows = TicketFollower.objects.filter(ticket_id=ticket_id, user=OuterRef("pk"))
    people = Q(pk__in=TicketFollower.objects.filter(ticket_id=ticket_id).values("user_id"))
    if with_candidates:
        people |= Q(organization_id=organization_id, role=Role.CUSTOMER, is_active=True)
    return (
        User.objects.filter(people)
        .exclude(pk=requester_id)
        .order_by("full_name", "email")
        .values_list(*_PANEL_FIELDS, Exists(follows))
    )


# Compiled once per process (core/prepared.py): through the ORM, building this
# statement cost each ticket page about 1 ms; running it, tens of µs.
_PANEL = {
    False: prepared(partial(_panel_people, organization_id=0, with_candidates=False), arity=2),
    True: prepared(partial(_panel_people, with_candidates=True), arity=3),
}


def follower_panel(ticket: Ticket, viewer: User) -> FollowerPanel:
    """What the ticket page shows of its followers to `viewer` (who may see the
    ticket). A customer sees no agent among them: who on the support team follows a
    ticket is the team's business. The candidates (active customers of the ticket's
    organization who do not follow it yet) for the requester and for agents only."""
    staff = is_staff_member(viewer)
    may_manage = staff or viewer.pk == ticket.requester_id
    with_candidates = may_manage and not ticket.is_archived
    asked = (ticket.pk, ticket.requester_id, ticket.organization_id)
    found = _PANEL[with_candidates].rows(*asked[: 3 if with_candidates else 2])
    followers: list[PanelPerson] = []
    candidates: list[PanelPerson] = []
    followed: set[int] = set()
    customer = Role.CUSTOMER.value  # read once (an attribute of the enumeration per row)
    for pk, email, full_name, organization_id, role, is_active, follows_it in found:
        # is_active and follows_it as the database gives them (SQLite: 0/1).
        person = PanelPerson(pk, email, full_name, organization_id, role, bool(is_active))
        if follows_it:
            followed.add(pk)
            if staff or role == customer:
                followers.append(person)
        else:
            # Read as a candidate (`_panel_people`): `is_follower_candidate` holds for
            # it, not asked again per row (a call each, for each of a client's people).
            candidates.append(person)
    following = viewer.pk in followed
    return FollowerPanel(followers, candidates if may_manage else [], following, may_manage)


def person_for_follow(ticket: Ticket, user_id: int | None, viewer: User) -> User | None:
    """The person a follow form names, as `viewer` may name them: an agent anyone
    (the service says why someone may not follow), a customer only a person of the
    ticket's organization (another company's people do not exist for them)."""
    if user_id is None:
        return None
    people = User.objects.filter(pk=user_id)
    if not is_staff_member(viewer):
        people = people.filter(organization_id=ticket.organization_id)
    return people.first()


def ticket_list_followed_by(
    user: User, *, text: str = "", sort: str = DEFAULT_SORT
) -> QuerySet[Ticket]:
    """The tickets `user` follows and may still see (the portal's "Followed tickets"),
    every status, archived included, filtered and sorted in the database."""
    tickets = tickets_visible_to(user).filter(followers__user=user)
    text = clean_search(text)
    if text:
        match = Q(subject__icontains=text)
        number = parse_number(text)
        if number is not None:
            match |= Q(number=number)
        tickets = tickets.filter(match)
    field = SORTS.get(sort.lstrip("-"), "last_activity_at")
    direction = "-" if sort.startswith("-") else ""
    return (
        tickets.select_related("requester")
        .only(*_ROW_FIELDS)
        .order_by(f"{direction}{field}", "-number")
    )


class BatchFollowers:
    """The followers of a batch of tickets, for the event dispatch: read at the first
    question, in one query, then answered from memory. Only people who may still see
    the ticket: active agents, and active customers of the ticket's organization."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self._ids = sorted({ticket.pk for ticket in tickets})
        self._by_ticket: dict[int, list[User]] | None = None

    def _load(self) -> dict[int, list[User]]:
        if self._by_ticket is None:
            self._by_ticket = {pk: [] for pk in self._ids}
            rows = (
                TicketFollower.objects.filter(ticket_id__in=self._ids, user__is_active=True)
                .select_related("user", "user__organization")
                .order_by("pk")
            )
            for row in rows:
                self._by_ticket.setdefault(row.ticket_id, []).append(row.user)
        return self._by_ticket

    def customers(self, ticket: Ticket) -> list[User]:
        """The ticket's customer followers (its requester is never one)."""
        return [
            user
            for user in self._load().get(ticket.pk, [])
            if user.is_customer
            and user.organization_id == ticket.organization_id
            and user.pk != ticket.requester_id
        ]

    def agents(self, ticket: Ticket) -> list[User]:
        """The agents and admins who follow the ticket."""
        return [user for user in self._load().get(ticket.pk, []) if is_staff_member(user)]


# The last batch's followers: the dispatch hands the same list of tickets to each
# subscriber's preload (notifications, then mail), which then share one read.
_last_batch: tuple[list[Ticket], BatchFollowers] | None = None


def batch_followers(tickets: list[Ticket]) -> BatchFollowers:
    """The followers of a dispatch's batch (`tickets`: the list the dispatch gives
    every subscriber), shared by its subscribers: one query per batch at most."""
    global _last_batch
    if _last_batch is None or _last_batch[0] is not tickets:
        _last_batch = (tickets, BatchFollowers(tickets))
    return _last_batch[1]
