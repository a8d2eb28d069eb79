"""The customer's dashboard: the counts of their tickets by status and the latest
activity, read by statements compiled once per process (core/prepared.py).

Each is the selector's own (`ticket_status_count_rows`, `recent_events_for_customer`),
compiled for a stand-in user of the same shape of the visibility rule
(`visibility_shape`) with placeholder ids, as tickets/customer_list_reads.py
compiles the lists. The counts read the followed tickets' ids first and write them
into their statement: a follower's counts go through the ORM, as an inactive user's,
and the support team's (whose dashboard is the desk's).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.db.models import QuerySet

from ecmp.accounts.models import User
from ecmp.core.prepared import INTEGER, Prepared
from ecmp.core.prepared_rows import ConvertedRead
from ecmp.tickets.customer_list_reads import follows_any
from ecmp.tickets.selectors import (
    recent_events_for_customer,
    ticket_status_count_rows,
    ticket_status_counts_for,
    visibility_ids,
    visibility_shape,
    visibility_stand_in,
)
from ecmp.tickets.status import Status

Shape = tuple[bool, bool, bool]


class RecentEvent(NamedTuple):
    """An event of the latest activity: its ticket, author and words (`kind`,
    `from_value`, `to_value`: `event_summary`'s)."""

    number: int
    subject: str
    actor_name: str | None
    kind: str
    from_value: str
    to_value: str
    created_at: datetime


EVENT = (
    *("ticket__number", "ticket__subject", "actor__full_name"),
    *("kind", "from_value", "to_value", "created_at"),
)


def _events(shape: Shape, *ids: int, limit: int) -> QuerySet[Any, Any]:
    return recent_events_for_customer(visibility_stand_in(shape, *ids), limit=limit).values_list(
        *EVENT
    )


@lru_cache(maxsize=32)
def _events_read(shape: Shape, arity: int, limit: int) -> ConvertedRead:
    return ConvertedRead(partial(_events, shape, limit=limit), (INTEGER,) * arity)


def recent_events(user: User, *, limit: int) -> list[RecentEvent]:
    """`recent_events_for_customer(user, limit=limit)` as plain rows."""
    if not (user.is_authenticated and user.is_active):
        return []  # the rule's first case: no ticket
    ids = visibility_ids(user)
    rows = _events_read(visibility_shape(user), len(ids), limit).rows(*ids)
    return [RecentEvent._make(row) for row in rows]


def _counts(shape: Shape, *ids: int) -> QuerySet[Any, Any]:
    # The selector's rows for a stand-in (who follows no ticket).
    return ticket_status_count_rows(visibility_stand_in(shape, *ids))


@lru_cache(maxsize=16)
def _counts_read(shape: Shape, arity: int) -> Prepared:
    return Prepared(partial(_counts, shape), (INTEGER,) * arity)


def status_counts(user: User) -> dict[str, int]:
    """`ticket_status_counts_for(user)`: each status's number of unarchived tickets."""
    if not (user.is_authenticated and user.is_active):
        return ticket_status_counts_for(user)
    shape = visibility_shape(user)
    staff, _has_organization, sees_all = shape
    if staff or follows_any(user.pk):
        return ticket_status_counts_for(user)
    # Without followed tickets, the organization is in the statement only for a
    # manager who sees all its tickets.
    ids = visibility_ids(user)[: 2 if sees_all else 1]
    counts = {status: 0 for status in Status.values}
    counts.update({status: int(n) for status, n in _counts_read(shape, len(ids)).rows(*ids)})
    return counts
