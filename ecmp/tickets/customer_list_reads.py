"""The customer's Service desk lists (open, recent, archive): their first page and
count compiled by the ORM once per process and shape (core/prepared.py).

Each read is `ticket_list_for_customer`'s (the one door to a customer's lists, over
`tickets_visible_to`), compiled for a stand-in user of the same shape of the rule
(`visibility_shape`) with placeholder ids, per list and sort. Through the ORM, the
page's three statements and a model for each row and its requester cost the list
about 2 ms, against a tenth of that to run them.

What the statement's text depends on beyond `visibility_shape`: whether the user
follows any ticket (the rule reads the followed tickets' ids first and writes them
into the statement, `tickets_visible_to(followed_read_first=True)`). A user who
follows none — most — gets the compiled statements; a follower, a search by words
(text, whose statement depends on the words) and a later page go through the ORM
each time, with the same columns. Rows come back as `CustomerRow`s either way.
(Compiling reads the placeholder user's followed tickets: none, no user has its id.)
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.db.models import QuerySet

from ecmp.accounts.models import User
from ecmp.core.prepared import INTEGER, Counted, Prepared, prepared
from ecmp.core.prepared_rows import ConvertedRead
from ecmp.tickets.models import TicketFollower
from ecmp.tickets.selectors import (
    ticket_list_for_customer,
    visibility_ids,
    visibility_shape,
    visibility_stand_in,
)


class CustomerRow(NamedTuple):
    """A row of a customer's list (portal/_ticket_table.html, through `customer_cells`)."""

    number: int
    subject: str
    status: str
    priority: int
    created_at: datetime
    last_activity_at: datetime | None
    waiting_since: datetime | None
    requester_id: int
    requester_name: str


ROW = (
    *("number", "subject", "status", "priority", "created_at", "last_activity_at"),
    *("waiting_since", "requester_id", "requester__full_name"),
)


class ListShape(NamedTuple):
    """What a list's statement depends on: the visibility rule's shape, the list and
    the sort (a key of `selectors.SORTS`, with its direction)."""

    visibility: tuple[bool, bool, bool]
    which: str
    sort: str


def _list(shape: ListShape, *ids: int) -> QuerySet[Any]:
    user = visibility_stand_in(shape.visibility, *ids)
    return ticket_list_for_customer(user, which=shape.which, sort=shape.sort)


def _rows(shape: ListShape, *ids: int, size: int) -> QuerySet[Any, Any]:
    return _list(shape, *ids).values_list(*ROW)[:size]


def _capped(shape: ListShape, *ids: int, cap: int) -> QuerySet[Any, Any]:
    # Which rows does not matter to a count: no ORDER BY.
    return _list(shape, *ids).order_by().values("pk")[: cap + 1]


@lru_cache(maxsize=128)
def _first_page(shape: ListShape, arity: int, size: int) -> ConvertedRead:
    return ConvertedRead(partial(_rows, shape, size=size), (INTEGER,) * arity)


@lru_cache(maxsize=128)
def _count(shape: ListShape, arity: int, cap: int) -> Prepared:
    return Counted(partial(_capped, shape, cap=cap), (INTEGER,) * arity)


_FOLLOWS_ANY = prepared(
    lambda user_id: TicketFollower.objects.filter(user_id=user_id).values_list("pk")[:1], arity=1
)


def follows_any(user_id: int) -> bool:
    """Whether the user follows a ticket: the ids of followed tickets are then in the
    rule's statement, and their lists and counts go through the ORM."""
    return bool(_FOLLOWS_ANY.rows(user_id))


class CustomerList:
    """One of a customer's lists as a page reads it: `rows(offset, size)` and
    `count(cap)` (core/paging.py's `read_page`), as `ticket_list_for_customer` gives
    them."""

    def __init__(self, user: User, *, which: str, text: str, sort: str) -> None:
        self.user, self.which, self.text, self.sort = user, which, text, sort
        self._shape: tuple[ListShape | None, tuple[int, ...]] | None = None

    def _compiled(self) -> tuple[ListShape | None, tuple[int, ...]]:
        """The shape and ids when the compiled statements serve this list (no search
        words, the rule's statement without followed tickets); asked once."""
        if self._shape is None:
            self._shape = None, ()
            user = self.user
            if not self.text and user.is_authenticated and user.is_active:
                visibility = visibility_shape(user)
                # A follower: the ids of the followed tickets are in the statement.
                staff, _has_organization, sees_all = visibility
                if staff or not follows_any(user.pk):
                    shape = ListShape(visibility, self.which, self.sort)
                    # Without followed tickets, the organization is in the statement
                    # only for a manager who sees all its tickets.
                    ids = visibility_ids(user)[: 2 if sees_all else 1]
                    self._shape = shape, ids
        return self._shape

    def _tickets(self) -> QuerySet[Any]:
        return ticket_list_for_customer(self.user, which=self.which, text=self.text, sort=self.sort)

    def rows(self, offset: int, size: int) -> list[CustomerRow]:
        """`size` rows of the list from `offset`."""
        shape, ids = self._compiled()
        if shape is not None and offset == 0:
            return [CustomerRow._make(row) for row in _first_page(shape, len(ids), size).rows(*ids)]
        rows = self._tickets().values_list(*ROW)[offset : offset + size]
        return [CustomerRow._make(row) for row in rows]

    def count(self, cap: int) -> int:
        """How many tickets the list holds, counted up to `cap` + 1."""
        shape, ids = self._compiled()
        if shape is not None:
            return int(_count(shape, len(ids), cap).rows(*ids)[0][0])
        return self._tickets()[: cap + 1].count()
