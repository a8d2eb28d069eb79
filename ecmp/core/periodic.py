"""What runs periodically, and the scheduling of one slot (see run_periodic)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django_tasks.base import Task

from ecmp.core.models import PeriodicSlot

# Each app registers its own jobs from its AppConfig.ready(): core sits below them all
# and names none. name -> (task, period in seconds, or a function of the settings
# that gives it, None when the job is off: read at each run, so a setting can turn
# a job on or off).
Period = int | Callable[[], int | None]
_jobs: dict[str, tuple[Task[..., object], Period]] = {}


def periodic_job_register(name: str, job: Task[..., Any], period: Period) -> None:
    """By name: a second ready() replaces the job rather than doubling it."""
    _jobs[name] = (job, period)


def schedule() -> dict[str, tuple[Task[..., object], int]]:
    """name -> (task, period in seconds), the jobs that are on."""
    jobs = {}
    for name, (job, period) in _jobs.items():
        seconds = period() if callable(period) else period
        if seconds:
            jobs[name] = (job, seconds)
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
