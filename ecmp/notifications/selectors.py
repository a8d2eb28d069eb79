from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import QuerySet

from ecmp.accounts.models import Organization, Role, User
from ecmp.core.counting import rows_counted
from ecmp.core.prepared import Prepared, prepared
from ecmp.notifications.models import Notification
from ecmp.tickets.selectors import tickets_visible_to, visibility_shape


def _visible(user: User) -> QuerySet[Notification]:
    """The user's notifications about tickets they may still see (a role can change)."""
    notifications = Notification.objects.filter(recipient=user)
    if user.is_support_staff:
        return notifications
    return notifications.filter(ticket__in=tickets_visible_to(user))


def notification_unread_count_for(user: User) -> int:
    """The bell's count, on every page: one statement per shape of the visibility
    rule, compiled once per process (core/prepared.py): through the ORM, building it
    cost each page about 0.5 ms."""
    if not (user.is_authenticated and user.is_active):
        return _visible(user).filter(read_at=None).count()  # the rule's own first cases
    shape = visibility_shape(user)
    read = _BELL.get(shape)
    if read is None:
        staff, has_organization, _sees_all = shape
        read = prepared(
            partial(_unread, shape=shape), arity=1 if staff or not has_organization else 2
        )
        _BELL[shape] = read
    ids = (user.pk,) if read.arity == 1 else (user.pk, user.organization_id)
    rows = read.rows(*ids)
    return int(rows[0][0]) if rows else 0


def _unread(
    user_id: int, organization_id: int | None = None, *, shape: tuple[bool, bool, bool]
) -> QuerySet[Any, Any]:
    """The unread count of a stand-in user of `shape` with these ids."""
    staff, _has_organization, sees_all = shape
    stand_in = User(pk=user_id, role=Role.AGENT if staff else Role.CUSTOMER, is_active=True)
    if organization_id is not None:
        stand_in.is_team_manager = sees_all
        stand_in.organization = Organization(pk=organization_id, managers_see_all_tickets=sees_all)
    return rows_counted(_visible(stand_in).filter(read_at=None))


_BELL: dict[tuple[bool, bool, bool], Prepared] = {}


def notification_list_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = (
        _visible(user)
        .select_related("ticket", "event", "event__actor")
        .defer("ticket__search_document")
    )
    return notifications.filter(read_at=None) if unread_only else notifications
