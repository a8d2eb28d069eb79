from typing import Any

from django.http import HttpRequest

from ecmp.notifications.selectors import notification_unread_count_for


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not show the bell (public pages) do not pay the query.
    return {"unread_notifications": lambda: notification_unread_count_for(user)}
