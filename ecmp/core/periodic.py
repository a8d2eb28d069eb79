"""What runs periodically, and the scheduling of one slot (see run_periodic)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from ecmp.core.models import PeriodicSlot


def schedule() -> dict[str, tuple[object, int]]:
    """name -> (task, period in seconds)."""
    from ecmp.mail.tasks import imap_poll, inbound_raw_expire, inbound_sweep, outbox_sweep
    from ecmp.tickets.jobs import archive_closed_tickets, check_sla
    from ecmp.tickets.tasks import event_dispatch_sweep

    jobs: dict[str, tuple[object, int]] = {
        "check-sla": (check_sla, 60),
        "archive-closed-tickets": (archive_closed_tickets, 3600),
        "outbox-sweep": (outbox_sweep, 60),
        "inbound-sweep": (inbound_sweep, 60),
        "inbound-raw-expire": (inbound_raw_expire, 3600),
        "event-dispatch-sweep": (event_dispatch_sweep, 60),
    }
    if settings.ECMP_IMAP_HOST:
        jobs["imap-poll"] = (imap_poll, settings.ECMP_IMAP_POLL_SECONDS)
    return jobs


def slot_start(now: datetime, period: int) -> datetime:
    stamp = now.timestamp()
    return datetime.fromtimestamp(stamp - stamp % period, tz=UTC)


def periodic_run_due(now: datetime) -> list[str]:
    """Enqueue every job whose current slot has not run yet; returns their names."""
    started = []
    for name, (job, period) in schedule().items():
        slot = slot_start(now, period)
        try:
            with transaction.atomic():
                # The slot row and the task are written together: both or neither.
                row = PeriodicSlot.objects.create(name=name, slot=slot)
                row.task_result_id = job.enqueue().id
                row.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # Another scheduler (or an earlier run) took this slot.
        started.append(name)
    PeriodicSlot.objects.filter(slot__lt=now - timedelta(days=7)).delete()
    return started
