"""Work that follows a ticket's events, in the worker."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ecmp.tickets.models import TicketEvent


@task()
def event_dispatch(event_id: int) -> int:
    """Turn one event into notifications and emails, once, all or nothing."""
    from ecmp.mail.events import emails_for_event
    from ecmp.notifications.services import notifications_for_event

    with transaction.atomic():
        event = (
            TicketEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("ticket", "ticket__requester", "actor", "message")
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return 0  # already dispatched, or being dispatched by another worker
        made = len(notifications_for_event(event)) + emails_for_event(event)
        TicketEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    return made


@task()
def event_dispatch_sweep() -> int:
    """Dispatch the events whose dispatch was lost (a worker killed, a failed task)."""
    stale = timezone.now() - timedelta(minutes=2)
    pending = list(
        TicketEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=stale)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in pending:
        event_dispatch.call(event_id)
    return len(pending)
