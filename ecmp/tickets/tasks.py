"""Work that follows a ticket's events, in the worker."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ecmp.core.followups import worker_task
from ecmp.tickets.models import TicketEvent


@task()
@worker_task
def event_dispatch(event_ids: list[int] | int) -> int:
    """Turn events into notifications and emails: each once, each all or nothing."""
    made = 0
    for event_id in [event_ids] if isinstance(event_ids, int) else event_ids:
        made += _dispatch_one(event_id)
    return made


def _dispatch_one(event_id: int) -> int:
    from ecmp.mail.events import emails_for_event
    from ecmp.notifications.services import notifications_for_event

    with transaction.atomic():
        event = (
            TicketEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("ticket", "ticket__requester", "actor", "message")
            .defer("ticket__search_document")
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
    event_dispatch.call(pending)
    return len(pending)
