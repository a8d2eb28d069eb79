from __future__ import annotations

from django.db.models import QuerySet

from ecmp.accounts.models import User
from ecmp.notifications.models import Notification
from ecmp.tickets.selectors import tickets_visible_to


def _visible(user: User) -> QuerySet[Notification]:
    """The user's notifications about tickets they may still see (a role can change)."""
    notifications = Notification.objects.filter(recipient=user)
    if user.is_support_staff:
        return notifications
    return notifications.filter(ticket__in=tickets_visible_to(user))


def notification_unread_count_for(user: User) -> int:
    return _visible(user).filter(read_at=None).count()


def notification_list_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = (
        _visible(user)
        .select_related("ticket", "event", "event__actor")
        .defer("ticket__search_document")
    )
    return notifications.filter(read_at=None) if unread_only else notifications
