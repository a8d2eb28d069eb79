"""The desk's one search box: tickets, people and organizations, grouped, best first.

Tickets in every status, archived included, found by their number, every text
written on them (subject, description, replies and internal notes: tickets/search.py),
their requester (name, email, phone) or organization. People and organizations are
found by a part of their name or a typo (accounts/search.py).

A handful of queries whatever the data: people, organizations (each a LIMIT read
nearest first), the newest ticket number, the most recent matching tickets (by their
words or the people and organizations just found, ids in the query; see
_recent_matches), then the page's rows. "Best" among tickets: those whose subject
holds every word, then those of a person or organization found, then the most
recent; ranked among the most recent matches only (`CANDIDATES`), so that a word in a
hundred thousand tickets costs no more than a rare one. The "more tickets" page
lists the MORE most recent matches, not every one (docs/performance.md: the search
at a million tickets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from ecmp.accounts.models import Organization, User
from ecmp.accounts.search import organizations_matching, people_matching
from ecmp.core.access import is_staff_member
from ecmp.core.prepared import prepared
from ecmp.tickets.models import Ticket
from ecmp.tickets.search import MAX_WORDS, text_match, words_of
from ecmp.tickets.selectors import clean_search, parse_number

# How many rows each group shows on the search page before "more".
SHOWN = 10
# People and organizations whose tickets are looked for.
OWNERS = 50
# The most recent matching tickets among which the best are chosen.
CANDIDATES = 50
# The "more tickets" page: the most recent matches, page by page, up to this many
# ("Page 1 of more than 8" past it: narrow the search to reach older ones).
MORE = 200
# The newest tickets searched first (see _recent_matches). A word in fewer than
# CANDIDATES of them (0.5 %) is looked for through its index over every ticket: the
# walk of the window is what an absent word costs (about 1 µs a ticket), the
# fallback costs in proportion to the word's matches (about 20 µs each).
WINDOW = 10_000

TICKET_FIELDS = (
    *("number", "subject", "status", "priority", "channel", "created_at", "last_activity_at"),
    *("archived_at", "requester", "organization", "requester__full_name"),
    *("requester__email", "organization__name"),
)


@dataclass
class DeskSearch:
    text: str
    number: int | None = None
    tickets: Sequence[Ticket] = field(default_factory=list)
    people: list[User] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    more_tickets: bool = False
    more_people: bool = False
    more_organizations: bool = False

    @property
    def empty(self) -> bool:
        return not (self.tickets or self.people or self.organizations)


def _owners(text: str) -> tuple[list[User], list[Organization]]:
    return (
        people_matching(text, limit=OWNERS + 1),
        organizations_matching(text, limit=OWNERS + 1),
    )


def _ticket_match(
    text: str, number: int | None, people: list[User], organizations: list[Organization]
) -> Q:
    # Cheap conditions first: PostgreSQL tries an OR's terms in order, and reading a
    # ticket's search document is the walk's main cost.
    match = Q(pk__in=[])
    if number is not None:
        match |= Q(number=number)
    if people:
        match |= Q(requester_id__in=[p.pk for p in people[:OWNERS]])
    if organizations:
        match |= Q(organization_id__in=[o.pk for o in organizations[:OWNERS]])
    # A number is that ticket (or a phone, below), not a word to look for in every
    # text: PostgreSQL cannot tell how rare it is, and would read the whole table.
    words = text_match(text) if number is None else None
    if words is not None:
        match |= words
    return match


def _rows(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("requester", "organization").only(*TICKET_FIELDS)


def _edge(rows: int) -> int | None:
    """The lowest number of the newest `rows` tickets (None: they are all that recent).

    From the number's two ends (two index lookups), not by counting `rows` entries of
    the index: numbers are given in sequence, a few missing (deleted tickets) only
    narrow the window a little. Each end its own statement, compiled once per process:
    SQLite reads MIN and MAX from the index only when a statement asks one of them
    (both at once walked the whole index)."""
    first, last = _FIRST_NUMBER.rows(), _LAST_NUMBER.rows()
    if not last or not first:
        return None
    first_number, last_number = int(first[0][0]), int(last[0][0])
    if last_number - rows < first_number:
        return None
    return last_number - rows + 1


_FIRST_NUMBER = prepared(lambda: Ticket.objects.order_by("number").values_list("number")[:1])
_LAST_NUMBER = prepared(lambda: Ticket.objects.order_by("-number").values_list("number")[:1])


def _recent_matches(match: Q, limit: int) -> tuple[list[int], bool]:
    """The ids of the `limit` most recent matching tickets at a bounded cost, and
    whether there are older ones not given.

    Walking the tickets from the newest is fast for a common word and reads the whole
    table for a rare one; the word's index is the other way round, and PostgreSQL
    cannot tell which a word is. So: the newest WINDOW tickets walked first (a range
    of the number's index). If they hold CANDIDATES matches, the word is common
    enough: the older ones are for a narrower search (ordering every match costs in
    proportion to their number: 0.7 s for 10,000 at a million tickets). Only if they
    hold fewer (a rare word: few matches in all), the word's index over every ticket
    ("+ 0": sorted after the match, not read in the order of the number's index). The
    GIN index alone is no cure: its bitmap for two common prefixes ("printer slow")
    takes 130 ms at a million tickets.
    """
    matching = Ticket.objects.filter(match)
    edge = _edge(WINDOW)
    window = matching.filter(number__gte=edge) if edge is not None else matching
    ids = list(window.order_by("-number").values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        return ids[:limit], True
    if edge is None:
        return ids, False
    if len(ids) >= CANDIDATES:
        return ids, True
    newest = ExpressionWrapper(F("number") + 0, output_field=IntegerField()).desc()
    older = matching.order_by(newest).values_list("pk", flat=True)[: limit + 1]
    if connection.vendor == "postgresql":
        # PostgreSQL overestimates how many tickets hold a word and would compile this
        # statement (JIT: 50 ms, more than it saves), for this statement only.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('jit', 'off', true)")
            ids = list(older)
    else:
        ids = list(older)
    return ids[:limit], len(ids) > limit


def desk_search(user: User, text: str) -> DeskSearch:
    """The search page's three groups, each with SHOWN rows at most."""
    text = clean_search(text)
    result = DeskSearch(text=text, number=parse_number(text))
    if not (is_staff_member(user) and text):
        return result
    people, organizations = _owners(text)
    match = _ticket_match(text, result.number, people, organizations)
    recent, _ = _recent_matches(match, CANDIDATES)
    words = words_of(text)[:MAX_WORDS]
    subject_hit = Q(pk__in=[])
    if words:
        subject_hit = Q()
        for word in words:
            subject_hit &= Q(subject__icontains=word)
    owner_hit = Q(requester_id__in=[p.pk for p in people]) | Q(
        organization_id__in=[o.pk for o in organizations]
    )
    best = Case(
        When(number=result.number if result.number is not None else -1, then=Value(3)),
        When(subject_hit, then=Value(2)),
        When(owner_hit, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    tickets = list(
        _rows(Ticket.objects.filter(pk__in=recent))
        .annotate(best=best)
        .order_by("-best", "-number")[: SHOWN + 1]
    )
    result.tickets, result.more_tickets = tickets[:SHOWN], len(tickets) > SHOWN
    result.people, result.more_people = people[:SHOWN], len(people) > SHOWN
    result.organizations = organizations[:SHOWN]
    result.more_organizations = len(organizations) > SHOWN
    return result


def desk_search_tickets(user: User, text: str) -> tuple[QuerySet[Ticket], bool]:
    """The "more" page of the ticket group: the MORE most recent matching tickets,
    most recent first, and whether there are older ones (the page says "more than").

    Not every match: counting them (up to 10,000) walked the whole table for a
    middling word (0.7-1.9 s at a million tickets); a search is narrowed, not paged
    through to its end."""
    text = clean_search(text)
    if not (is_staff_member(user) and text):
        return Ticket.objects.none(), False
    people, organizations = _owners(text)
    match = _ticket_match(text, parse_number(text), people, organizations)
    recent, older = _recent_matches(match, MORE)
    return _rows(Ticket.objects.filter(pk__in=recent)).order_by("-number"), older


def desk_search_people(user: User, text: str, *, limit: int) -> list[User]:
    text = clean_search(text)
    if not (is_staff_member(user) and text):
        return []
    return people_matching(text, limit=limit)


def desk_search_organizations(user: User, text: str, *, limit: int) -> list[Organization]:
    return desk_organization_suggestions(user, text, limit=limit)[1]


def desk_organization_suggestions(
    user: User, text: str | None, *, limit: int
) -> tuple[str, list[Organization]]:
    """`text` as searched (cleaned here, once: empty, nothing is read) and the
    organizations nearest to it, best first. The queue's organization box says
    "none found" only when there was something to search."""
    text = clean_search(text)
    if not (is_staff_member(user) and text):
        return text, []
    return text, organizations_matching(text, limit=limit)
