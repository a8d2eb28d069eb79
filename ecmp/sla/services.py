"""Every write to the service levels; admins only. New deadlines apply to new tickets
and to tickets whose priority changes afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import require_admin
from ecmp.sla.models import BusinessHours, Holiday, SlaTarget


def _minutes(hours: Decimal) -> int:
    return max(1, int((hours * 60).to_integral_value()))


@transaction.atomic
def sla_target_update(
    *, by: User, priority: int, first_response_hours: Decimal, resolution_hours: Decimal
) -> SlaTarget:
    require_admin(by)
    if resolution_hours < first_response_hours:
        raise ValidationError(
            _("The resolution target cannot be shorter than the first response target."),
            code="order",
        )
    target, _created = SlaTarget.objects.update_or_create(
        priority=priority,
        defaults={
            "first_response_minutes": _minutes(first_response_hours),
            "resolution_minutes": _minutes(resolution_hours),
        },
    )
    return target


class TargetHours(NamedTuple):
    first_response_hours: Decimal
    resolution_hours: Decimal


@transaction.atomic
def sla_targets_update(*, by: User, targets: Mapping[int, TargetHours]) -> list[SlaTarget]:
    """The targets of several priorities at once: all of them, or none."""
    return [
        sla_target_update(by=by, priority=priority, **hours._asdict())
        for priority, hours in targets.items()
    ]


@transaction.atomic
def business_hours_update(*, by: User, hours: dict[int, tuple[time, time]]) -> None:
    require_admin(by)
    BusinessHours.objects.exclude(weekday__in=hours.keys()).delete()
    for weekday, (opens, closes) in hours.items():
        BusinessHours.objects.update_or_create(
            weekday=weekday, defaults={"opens": opens, "closes": closes}
        )


def holiday_add(*, by: User, day: date, name: str) -> Holiday:
    require_admin(by)
    try:
        with transaction.atomic():
            holiday, _created = Holiday.objects.update_or_create(
                day=day, defaults={"name": name.strip()}
            )
    except IntegrityError:
        # Added by another admin at the same moment: keep this name.
        holiday = Holiday.objects.get(day=day)
        holiday.name = name.strip()
        holiday.save(update_fields=["name"])
    return holiday


def holiday_remove(*, by: User, holiday_id: int) -> None:
    require_admin(by)
    Holiday.objects.filter(pk=holiday_id).delete()
