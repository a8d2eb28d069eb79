from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings

from ecmp.sla.calendar import BusinessCalendar
from ecmp.sla.models import BusinessHours, Holiday, SlaTarget


def calendar_load() -> BusinessCalendar:
    return BusinessCalendar(
        hours={row.weekday: (row.opens, row.closes) for row in BusinessHours.objects.all()},
        holidays=frozenset(Holiday.objects.values_list("day", flat=True)),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def sla_target_for(priority: int) -> SlaTarget | None:
    return SlaTarget.objects.filter(priority=priority).first()
