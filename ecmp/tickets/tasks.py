"""Work that follows a ticket's events, in the worker."""

from __future__ import annotations

from django_tasks import task

from ecmp.tickets.models import TicketEvent


@task()
def event_dispatch(event_id: int) -> int:
    """Turn one event into notifications (and, with the email gateway, emails)."""
    from ecmp.notifications.services import notifications_for_event

    event = TicketEvent.objects.select_related("ticket", "actor").filter(pk=event_id).first()
    if event is None:
        return 0
    return len(notifications_for_event(event))
