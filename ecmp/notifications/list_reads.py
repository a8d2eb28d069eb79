"""A user's notifications as the portal lists them (the dashboard's unread ones, the
notifications page), read by statements compiled once per process (core/prepared.py).

Each statement is `notification_list_for`'s (the one door), compiled for a stand-in
user of the same shape of the visibility rule (`visibility_shape`) with placeholder
ids, as the bell's count is: the rule's statement holds the user's and their
organization's ids only. Only the columns the list shows are read, as plain rows
(`NotificationRow`). A later page than the first goes through the ORM each time,
with the same columns.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.db.models import QuerySet

from ecmp.accounts.models import User
from ecmp.core.counting import rows_counted
from ecmp.core.prepared import INTEGER, Prepared
from ecmp.core.prepared_rows import ConvertedRead
from ecmp.notifications.selectors import notification_list_for
from ecmp.tickets.selectors import visibility_shape, visibility_stand_in


class NotificationRow(NamedTuple):
    """A notification as a list shows it: its ticket's number and subject, and the
    event's author and words (`kind`, `from_value`, `to_value`: `event_summary`'s)."""

    id: int
    read_at: datetime | None
    created_at: datetime
    number: int
    subject: str
    actor_name: str | None
    kind: str
    from_value: str
    to_value: str


ROW = (
    *("pk", "read_at", "created_at", "ticket__number", "ticket__subject"),
    *("event__actor__full_name", "event__kind", "event__from_value", "event__to_value"),
)

Shape = tuple[bool, bool, bool]


def _ids(user: User) -> tuple[int, ...]:
    # The recipient, then (a client of a company) the organization of the rule.
    staff, has_organization, _sees_all = visibility_shape(user)
    if staff or not has_organization:
        return (user.pk,)
    return (user.pk, user.organization_id)  # type: ignore[return-value]  # has one


def _list(shape: Shape, unread_only: bool, *ids: int) -> QuerySet[Any]:
    return notification_list_for(visibility_stand_in(shape, *ids), unread_only=unread_only)


def _rows(shape: Shape, unread_only: bool, *ids: int, size: int) -> QuerySet[Any, Any]:
    return _list(shape, unread_only, *ids).values_list(*ROW)[:size]


def _count(shape: Shape, unread_only: bool, *ids: int) -> QuerySet[Any, Any]:
    return rows_counted(_list(shape, unread_only, *ids))


@lru_cache(maxsize=64)
def _first_page(shape: Shape, unread_only: bool, arity: int, size: int) -> ConvertedRead:
    return ConvertedRead(partial(_rows, shape, unread_only, size=size), (INTEGER,) * arity)


@lru_cache(maxsize=32)
def _counted(shape: Shape, unread_only: bool, arity: int) -> Prepared:
    return Prepared(partial(_count, shape, unread_only), (INTEGER,) * arity)


def _served(user: User) -> bool:
    # The rule's own first cases (an anonymous or inactive user) through the ORM.
    return bool(user.is_authenticated and user.is_active)


def notification_rows(
    user: User, *, unread_only: bool = False, offset: int = 0, size: int
) -> list[NotificationRow]:
    """`size` of `notification_list_for(user, unread_only=...)` from `offset`, newest first."""
    if _served(user) and offset == 0:
        ids = _ids(user)
        read = _first_page(visibility_shape(user), unread_only, len(ids), size)
        return [NotificationRow._make(row) for row in read.rows(*ids)]
    rows = notification_list_for(user, unread_only=unread_only).values_list(*ROW)
    return [NotificationRow._make(row) for row in rows[offset : offset + size]]


def notification_count(user: User, *, unread_only: bool = False) -> int:
    """How many `notification_list_for(user, unread_only=...)` holds."""
    if not _served(user):
        return notification_list_for(user, unread_only=unread_only).count()
    ids = _ids(user)
    rows = _counted(visibility_shape(user), unread_only, len(ids)).rows(*ids)
    return int(rows[0][0]) if rows else 0
