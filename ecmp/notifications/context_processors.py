from functools import cache
from typing import Any

from django.http import HttpRequest

from ecmp.notifications.selectors import notification_unread_count_for


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Lazy, so pages without the bell do not pay the query; cached, because the
    # bell reads the count several times and it must cost one query per page.
    @cache
    def count() -> int:
        return notification_unread_count_for(user)

    return {"unread_notifications": count}
