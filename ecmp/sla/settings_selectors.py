"""The service levels page's reads (admins; desk/sla_views.py): targets, business
hours and holidays as plain rows, each read by a statement compiled once per process
(core/prepared_rows.py), its values converted as the ORM converts them."""

from __future__ import annotations

from datetime import date, time
from typing import NamedTuple

from ecmp.core.prepared_rows import ConvertedRead
from ecmp.sla.models import BusinessHours, Holiday, SlaTarget


class TargetRow(NamedTuple):
    priority: int
    first_response_minutes: int
    resolution_minutes: int


class HoursRow(NamedTuple):
    weekday: int
    opens: time
    closes: time


class HolidayRow(NamedTuple):
    pk: int
    day: date
    name: str


_TARGETS = ConvertedRead(
    lambda: SlaTarget.objects.order_by("-priority").values_list(*TargetRow._fields), ()
)
_HOURS = ConvertedRead(
    lambda: BusinessHours.objects.order_by("weekday").values_list(*HoursRow._fields), ()
)
_HOLIDAYS = ConvertedRead(
    lambda: Holiday.objects.order_by("day").values_list(*HolidayRow._fields), ()
)


def sla_target_rows() -> dict[int, TargetRow]:
    """Each priority's targets."""
    return {row[0]: TargetRow(*row) for row in _TARGETS.rows()}


def business_hours_rows() -> list[HoursRow]:
    """The open weekdays' hours, Monday first."""
    return [HoursRow(*row) for row in _HOURS.rows()]


def holiday_rows() -> list[HolidayRow]:
    """The holidays by date."""
    return [HolidayRow(*row) for row in _HOLIDAYS.rows()]
