"""The desk queue's reads, compiled by the ORM once per process (`core/prepared.py`).

The queue is the page agents keep open: its counts, its page count and its 25 rows
cost it about 4.5 ms through the ORM (building the statements, then a model for each
row and each joined row), against half a millisecond to run them. Each read here is
`ticket_list_for_desk`'s (the one door to the desk's tickets), compiled once per
shape of the filters (which filters are given, the queue, the sort): the values (an
agent's, a client's, a category's id, a priority, "now") are parameters. A search by
words is not a parameter the compiler keeps (text, and its shape depends on the
words): it goes through the ORM each time, with the same columns.

Rows come back as tuples (`ROW`'s order), never models; nothing read is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache, lru_cache, partial
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from ecmp.accounts.models import Role, User
from ecmp.core.access import is_staff_member
from ecmp.core.counting import count_of
from ecmp.core.prepared import (
    INSTANT,
    INTEGER,
    Counted,
    Prepared,
    constants_written,
    prepared,
)
from ecmp.core.prepared_rows import moment
from ecmp.tickets.models import Ticket
from ecmp.tickets.search import MAX_WORDS, search_filter, words_of
from ecmp.tickets.selectors import (
    DESK_DEFAULT_SORT,
    parse_number,
    ticket_list_for_desk,
    tickets_due_before,
)
from ecmp.tickets.status import UNRESOLVED, Status

# What a row of the queue shows (tickets/presentation.py's `queue_cells`), in order.
ROW = (
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "version",
    "last_activity_at",
    "sla_due_at",
    "first_response_at",
    "waiting_since",
    "requester__full_name",
    "organization_id",
    "organization__name",
    "assignee_id",
    "assignee__full_name",
    "category_id",
    "category__name_en",
    "category__name_fr",
)


class QueueShape(NamedTuple):
    """What the statement's text depends on: the queue, the sort, the filters given
    (their values are parameters, but those of short closed lists: a status, a
    priority — a small integer, out of the marks' range —, a channel, waiting or
    not), and whether the agent filter is "nobody"."""

    queue: str
    sort: str
    status: str
    channel: str
    waiting: str
    priority: int  # 0: any
    organization: bool
    category: bool
    assignee: str  # "", "none", or "id"


def queue_shape(user: User, filters: dict[str, Any]) -> tuple[QueueShape, tuple[int, ...]]:
    """The shape of `QueueFilterForm.filters()` (without the search words) and its
    values in the statement's order (the agent's id first, for their own queue)."""
    assignee = filters.get("assignee") or ""
    assignee_id = parse_number(assignee) if assignee != "none" else None
    shape = QueueShape(
        queue=filters["queue"],
        sort=filters["sort"],
        status=filters.get("status") or "",
        channel=filters.get("channel") or "",
        waiting=filters.get("waiting") or "",
        priority=int(filters.get("priority") or 0),
        organization=bool(filters.get("organization_id")),
        category=bool(filters.get("category_id")),
        assignee="none" if assignee == "none" else "id" if assignee_id else "",
    )
    values = tuple(
        value
        for given, value in (
            (shape.queue == "mine", user.pk),
            (shape.organization, filters.get("organization_id")),
            (shape.category, filters.get("category_id")),
            (shape.assignee == "id", assignee_id),
        )
        if given
    )
    return shape, values  # type: ignore[return-value]  # given: not None


def _queue(shape: QueueShape, *values: int, text: str = "") -> QuerySet[Ticket]:
    given = iter(values)
    # An agent of the signed-in agent's id for their own queue; the others ignore it.
    agent_id = next(given) if shape.queue == "mine" else 0
    agent = User(pk=agent_id, role=Role.AGENT, is_active=True)
    return ticket_list_for_desk(
        agent,
        queue=shape.queue,
        sort=shape.sort,
        status=shape.status,
        channel=shape.channel,
        waiting=shape.waiting,
        priority=shape.priority or None,
        organization_id=next(given) if shape.organization else None,
        category_id=next(given) if shape.category else None,
        assignee="none" if shape.assignee == "none" else "",
        assignee_id=next(given) if shape.assignee == "id" else None,
        text=text,
    )


def _rows(shape: QueueShape, *values: int, size: int) -> QuerySet[Any, Any]:
    # The page's ids first, then their rows with the joined names: SQLite otherwise
    # joins every ticket of the queue before sorting (0.41 → 0.28 ms for 855 open ones).
    queue = _queue(shape, *values)
    page = queue.values("pk")[:size]
    return Ticket.objects.filter(pk__in=page).order_by(*queue.query.order_by).values_list(*ROW)


def _capped(shape: QueueShape, *values: int, cap: int, text: str = "") -> QuerySet[Any, Any]:
    # Which rows does not matter to a count: no ORDER BY.
    return _queue(shape, *values, text=text).order_by().values("pk")[: cap + 1]


@lru_cache(maxsize=128)
def _first_page(shape: QueueShape, arity: int, size: int) -> Prepared:
    return prepared(partial(_rows, shape, size=size), arity=arity)


@lru_cache(maxsize=128)
def _count(shape: QueueShape, arity: int, cap: int) -> Prepared:
    return Counted(partial(_capped, shape, cap=cap), (INTEGER,) * arity)


# --- A search: the statement compiled once per shape and kind of search -------------
# The words are no parameter the compiler keeps (their condition is text, and its
# statement differs with their number on PostgreSQL). The statement is compiled once
# with stand-in words of the same kind (a number or not, as many words); each search
# then compiles its condition alone (search_filter's, about a tenth of the whole) and
# its parameters take the stand-in's place. An unusual search goes through the ORM.

_STAND_IN_NUMBER = "987654321"


def _search_kind(text: str) -> tuple[bool, int]:
    return parse_number(text) is not None, len(words_of(text)[:MAX_WORDS])


def _stand_in(kind: tuple[bool, int]) -> str:
    number, words = kind
    if number:
        return _STAND_IN_NUMBER
    return " ".join(f"qzxjw{chr(ord('a') + n)}" for n in range(words))


# Memoized: the condition's parameters are a pure function of the text and the
# database (its words, their stems, the engine's syntax: code, no data, no reader);
# compiling them through the ORM costs 0.2 ms, and an agent's search is sent again
# with each change of the other filters and each refresh of the list. Bounded; an
# empty condition (EmptyResultSet) is not kept. The statement's own values (a
# priority, an agent) are not in it.
@lru_cache(maxsize=512)
def _condition(text: str, alias: str) -> tuple[Any, ...]:
    """The parameters of the search's condition alone, as the ORM compiles it."""
    query = search_filter(Ticket.objects.using(alias).all(), text, parse_number(text)).query
    _sql, params = query.get_compiler(alias).compile(query.where)  # the WHERE alone
    return tuple(params)


class _Searched(Prepared):
    """`build(*marks)` searched for stand-in words: `search_rows(text, *values)` runs its
    statement with the text's condition in their place (or gives None: then ask the
    ORM). `counted`: COUNT(*) over the statement."""

    def __init__(self, build: Any, arity: int, stand_in: str, *, counted: bool) -> None:
        super().__init__(build, (INTEGER,) * arity)
        self.stand_in = stand_in
        self.counted = counted
        self._place = cache(self._find)

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        sql, params, slots = super()._compile(alias)
        if self.counted:
            sql = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608 - the ORM's SQL
        return sql, params, slots

    def _find(self, alias: str) -> tuple[int, int] | None:
        # Where the stand-in's condition stands in the statement's parameters: once,
        # and none of them a value's place.
        _sql, params, slots = self._statement(alias)
        try:
            condition = _condition(self.stand_in, alias)
        except EmptyResultSet:  # no words: the ORM answers
            return None
        size = len(condition)
        found = [
            start
            for start in range(len(params) - size + 1)
            if params[start : start + size] == condition
            and all(slot is None for slot in slots[start : start + size])
        ]
        return (found[0], size) if size and len(found) == 1 else None

    def search_rows(
        self, text: str, *values: int, using: str = "default"
    ) -> list[tuple[Any, ...]] | None:
        found = self._place(using)
        if found is None:
            return None
        place, size = found
        sql, params, slots = self._statement(using)
        try:
            condition = _condition(text, using)
        except EmptyResultSet:  # no word the index reads, no number
            return None
        if len(condition) != size:
            return None
        bound = [
            p if slot is None else int(values[slot]) for p, slot in zip(params, slots, strict=True)
        ]
        bound[place : place + size] = condition
        with connections[using].cursor() as cursor:
            cursor.execute(sql, bound)
            return cursor.fetchall()


def _searched_rows(shape: QueueShape, *values: int, size: int, text: str) -> QuerySet[Any, Any]:
    return _queue(shape, *values, text=text).values_list(*ROW)[:size]


@lru_cache(maxsize=128)
def _search_page(shape: QueueShape, arity: int, size: int, kind: tuple[bool, int]) -> _Searched:
    stand_in = _stand_in(kind)
    build = partial(_searched_rows, shape, size=size, text=stand_in)
    return _Searched(build, arity, stand_in, counted=False)


@lru_cache(maxsize=128)
def _search_count(shape: QueueShape, arity: int, cap: int, kind: tuple[bool, int]) -> _Searched:
    stand_in = _stand_in(kind)
    return _Searched(partial(_capped, shape, cap=cap, text=stand_in), arity, stand_in, counted=True)


# --- The view agents live in: every unresolved ticket, by deadline -----------------
# `ORDER BY sla_due_at ASC NULLS LAST, number DESC` sorted every unresolved ticket
# (855 at 10,000 tickets: 0.39 ms of SQLite's) although the partial index
# ticket_unresolved_due holds them in that order: SQLite puts NULLs first in an
# ascending index, so the order is read in two parts, the tickets with a deadline in
# the index's order, then those without one (none, most days), each `LIMIT`ed and
# `OFFSET` across the two. PostgreSQL reads both from the index as it is (its
# ascending index puts NULLs last); SQLite, without statistics, prefers ticket_sla's
# three ranges and a sort, and takes a partial index only when the statement's own
# text implies the index's condition (a bound value never does): on SQLite the
# statement names the index and writes its constants (the unresolved statuses) as
# literals. 0.39 → 0.03 ms for the rows.

_BY_DUE = QueueShape("open", "due", "", "", "", 0, False, False, "")
_DUE_INDEX = "ticket_unresolved_due"


def _sqlite_indexed(sql: str, params: tuple[Any, ...], index: str) -> str:
    """The statement with its text parameters written in (core/prepared.py's
    `constants_written`, as for `ConstantsWritten`) and `index` named."""
    text, left, _slots = constants_written(sql, params, (None,) * len(params))
    if left:
        raise ValueError("an index-ordered read takes text constants only")
    table = f'FROM "{Ticket._meta.db_table}" '
    if text.count(table) != 1:
        raise ValueError("an index-ordered read reads the tickets table once")
    return text.replace(table, f'{table}INDEXED BY "{index}" ')


class _InIndexOrder(Prepared):
    """`build()`'s rows in the order of `index`, which holds them in that order:
    `rows(limit, offset)`."""

    def __init__(self, build: Any, index: str) -> None:
        super().__init__(build, (INTEGER, INTEGER))
        self.index = index

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        sql, params = self._build().using(alias).query.sql_with_params()
        params = tuple(params)
        if connections[alias].vendor == "sqlite":
            sql, params = _sqlite_indexed(sql, params, self.index), ()
        # LIMIT and OFFSET as parameters (the ORM writes them in the text).
        return f"{sql} LIMIT %s OFFSET %s", (*params, 0, 0), (None,) * len(params) + (0, 1)


def _by_due(dated: bool) -> QuerySet[Any, Any]:
    queue = _queue(_BY_DUE)
    if dated:
        queue = queue.filter(sla_due_at__isnull=False).order_by("sla_due_at", "-number")
    else:
        queue = queue.filter(sla_due_at__isnull=True).order_by("-number")
    return queue.values_list(*ROW)


_DATED = _InIndexOrder(partial(_by_due, True), _DUE_INDEX)
_UNDATED = _InIndexOrder(partial(_by_due, False), _DUE_INDEX)
_DATED_COUNT = Counted(
    lambda: _queue(_BY_DUE).filter(sla_due_at__isnull=False).order_by().values("pk"), ()
)


def _rows_by_due(offset: int, size: int, count: int | None) -> list[tuple[Any, ...]]:
    """The unresolved queue by deadline (as `_queue(_BY_DUE)` sorts it), `size` rows
    from `offset`: those with a deadline, then those without (`count`: how many
    tickets the queue holds, if known: none without a deadline is then looked for
    past them)."""
    dated = _DATED.rows(size, offset)
    if len(dated) == size or (count is not None and offset + len(dated) >= count):
        return dated
    # The page holds the last of them, or there is none; else it is past them: how many?
    how_many = offset + len(dated) if dated or not offset else int(_DATED_COUNT.rows()[0][0])
    return dated + _UNDATED.rows(size - len(dated), max(0, offset - how_many))


def queue_page_rows(
    user: User, filters: dict[str, Any], *, offset: int, size: int, count: int | None = None
) -> list[tuple[Any, ...]]:
    """`size` rows of the queue from `offset` (`ROW`'s columns): the first page through
    a statement compiled once per shape, a search or a later page through the ORM
    (but the unresolved queue by deadline, every page in the index's order). `count`:
    how many tickets the queue holds, when the caller has counted them."""
    if not is_staff_member(user):
        return []
    shape, values = queue_shape(user, filters)
    text = filters.get("text") or ""
    if shape == _BY_DUE and not text:
        return _rows_by_due(offset, size, count)
    if offset == 0 and not text:
        return _first_page(shape, len(values), size).rows(*values)
    if offset == 0:
        kind = _search_kind(text)
        found = _search_page(shape, len(values), size, kind).search_rows(text, *values)
        if found is not None:
            return found
    query = _queue(shape, *values, text=text).values_list(*ROW)
    return list(query[offset : offset + size])


def queue_count(user: User, filters: dict[str, Any], *, cap: int) -> int:
    """How many tickets the queue holds, counted up to `cap` + 1."""
    if not is_staff_member(user):
        return 0
    shape, values = queue_shape(user, filters)
    text = filters.get("text") or ""
    if text:
        kind = _search_kind(text)
        found = _search_count(shape, len(values), cap, kind).search_rows(text, *values)
        if found is not None:
            return int(found[0][0])
        return _queue(shape, *values, text=text)[: cap + 1].count()
    rows = _count(shape, len(values), cap).rows(*values)
    return int(rows[0][0])


def _counts(user_id: int, now: datetime) -> QuerySet[Any, Any]:
    # Each count is an index's range (ticket_sla: archived, status, deadline;
    # ticket_assignee for the agent's own), however many closed and archived tickets
    # the database holds, where counting CASEs over every open ticket's row took
    # 0.25 ms. The unresolved are the new, the open and the waiting ones: counted
    # from the three counts, not read again (the new ones are most of them). One row
    # from the tickets table: none when there is no ticket at all (every count is 0).
    unresolved = Ticket.objects.filter(archived_at__isnull=True, status__in=UNRESOLVED)
    return Ticket.objects.order_by().values_list(
        count_of(Ticket.objects.filter(archived_at__isnull=True, status=Status.NEW)),
        count_of(unresolved.filter(assignee_id=user_id)),
        count_of(Ticket.objects.filter(archived_at__isnull=True, status=Status.OPEN)),
        count_of(Ticket.objects.filter(archived_at__isnull=True, status=Status.WAIT)),
        count_of(unresolved.filter(sla_due_at__lt=now)),
    )[:1]


_COUNTS = prepared(_counts, kinds=(INTEGER, INSTANT))


def queue_counts(user_id: int, now: datetime) -> dict[str, int]:
    """How many tickets each queue holds (new, mine, open, wait, overdue), one statement
    (0.2 → 0.07 ms of SQLite's at 855 open tickets)."""
    rows = _COUNTS.rows(user_id, now)
    new, mine, opened, wait, overdue = rows[0] if rows else (0, 0, 0, 0, 0)
    return {"new": new, "mine": mine, "open": new + opened + wait, "wait": wait, "overdue": overdue}


# --- The desk home's two short lists: my open tickets, the SLA at risk -------------

# What a short list's item shows (desk/home.html: its number, subject,
# priority and SLA badge).
ITEM = ("number", "subject", "priority", "waiting_since", "sla_due_at", "first_response_at")


class TicketItem(NamedTuple):
    number: int
    subject: str
    priority: int
    waiting_since: datetime | None
    sla_due_at: datetime | None
    first_response_at: datetime | None


def _items(rows: list[tuple[Any, ...]]) -> list[TicketItem]:
    return [
        TicketItem(number, subject, priority, moment(waiting), moment(due), moment(answered))
        for number, subject, priority, waiting, due, answered in rows
    ]


@lru_cache(maxsize=16)
def _mine(size: int) -> Prepared:
    shape, _values = queue_shape(User(pk=0), {"queue": "mine", "sort": DESK_DEFAULT_SORT})

    def build(agent_id: int) -> QuerySet[Any, Any]:
        return _queue(shape, agent_id).values_list(*ITEM)[:size]

    return prepared(build, arity=1)


def my_open_tickets(user: User, *, limit: int = 10) -> list[TicketItem]:
    """The first of the agent's own queue (`ticket_list_for_desk`, "mine"), by deadline."""
    if not is_staff_member(user):
        return []
    return _items(_mine(limit).rows(user.pk))


@lru_cache(maxsize=16)
def _at_risk(size: int) -> Prepared:
    return prepared(
        lambda horizon: tickets_due_before(horizon).values_list(*ITEM)[:size], kinds=(INSTANT,)
    )


def tickets_at_risk_items(
    now: datetime, *, within_hours: int = 4, limit: int = 10
) -> list[TicketItem]:
    """The first `limit` of `tickets_due_before(now + within_hours)`, as the desk home
    lists them."""
    return _items(_at_risk(limit).rows(now + timedelta(hours=within_hours)))
