"""Whether a person has unread notifications about one ticket: asked on every view
of a ticket page before marking them viewed, so that a view with nothing unread (the
usual case) writes nothing. One statement compiled once per process
(`core/prepared.py`): the UPDATE through the ORM cost the page about 0.2 ms a view."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecmp.core.prepared import prepared
from ecmp.notifications.models import Notification


def _unread(recipient_id: int, ticket_id: int) -> QuerySet[Any, Any]:
    return (
        Notification.objects.filter(recipient_id=recipient_id, ticket_id=ticket_id, read_at=None)
        .order_by()
        .values_list("pk")[:1]
    )


_READ = prepared(_unread, arity=2)


def has_unread_for_ticket(recipient_id: int, ticket_id: int) -> bool:
    return bool(_READ.rows(recipient_id, ticket_id))
