from __future__ import annotations

from django.db.models import QuerySet

from ecmp.accounts.models import User
from ecmp.notifications.models import Notification


def notification_unread_count_for(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()


def notification_list_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).select_related(
        "ticket", "event", "event__actor"
    )
    return notifications.filter(read_at=None) if unread_only else notifications
