"""Presence on the desk ticket page: who else has the ticket open now.

The writes are `tickets/services/presence.py`; the page polls every 15 seconds, so
a colleague not seen for three polls has left."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from ecmp.accounts.models import User
from ecmp.core.access import is_staff_member
from ecmp.tickets.models import Ticket, TicketPresence

PRESENCE_WINDOW = timedelta(seconds=45)


def presence_list_for_ticket(ticket: Ticket, *, viewer: User) -> QuerySet[TicketPresence]:
    """The other agents seen on `ticket` in the last PRESENCE_WINDOW, those typing
    first, each with their user (one query). Nobody for someone not on the team."""
    if not is_staff_member(viewer):
        return TicketPresence.objects.none()
    return (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=timezone.now() - PRESENCE_WINDOW)
        .exclude(user=viewer)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("-typing", "user__full_name", "user_id")
    )
