"""The service levels as the ticket services read them: kept in each process.

Every new ticket and every reply reads the targets and the calendar; they change a
few times a year. Each process keeps one copy for `KEPT_SECONDS`: a change clears
the copy of the process that made it at once (signals, connected in `apps.py`), and
reaches the others (web processes, workers) within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from ecmp.sla.calendar import BusinessCalendar
from ecmp.sla.models import BusinessHours, Holiday, SlaTarget

KEPT_SECONDS = 30.0


@dataclass(frozen=True)
class _Levels:
    targets: dict[int, SlaTarget]
    calendar: BusinessCalendar
    time_zone: str
    loaded_at: float = field(default_factory=time.monotonic)


_kept: _Levels | None = None


def _levels() -> _Levels:
    global _kept
    levels = _kept
    if (
        levels is None
        or levels.time_zone != settings.TIME_ZONE
        or time.monotonic() - levels.loaded_at > KEPT_SECONDS
    ):
        levels = _kept = _Levels(
            targets={target.priority: target for target in SlaTarget.objects.all()},
            calendar=BusinessCalendar(
                hours={row.weekday: (row.opens, row.closes) for row in BusinessHours.objects.all()},
                holidays=frozenset(Holiday.objects.values_list("day", flat=True)),
                tz=ZoneInfo(settings.TIME_ZONE),
            ),
            time_zone=settings.TIME_ZONE,
        )
    return levels


def levels_changed(**_signal_arguments: object) -> None:
    """Forget this process's copy now, and again once the change is committed (a
    ticket made in the same transaction must not keep the copy it read)."""
    global _kept
    _kept = None
    transaction.on_commit(forget_levels)


def forget_levels() -> None:
    global _kept
    _kept = None


def calendar_load() -> BusinessCalendar:
    return _levels().calendar


def sla_target_for(priority: int) -> SlaTarget | None:
    return _levels().targets.get(priority)
