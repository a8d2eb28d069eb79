"""A contract version as people read it: the targets of each priority in business
hours (its own, or the defaults), its opening hours (its own, or the default
calendar), its billing contacts one by one. From prefetched rows and the service
levels kept per process: no query of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.utils.dates import WEEKDAYS
from django.utils.functional import Promise

from ecmp.sla.models import Contract
from ecmp.sla.priorities import Priority
from ecmp.sla.selectors import default_levels


def hours_of(minutes: int) -> Decimal:
    """Business minutes as hours, as the forms take them (1.5, not 1.50)."""
    text = format((Decimal(minutes) / 60).quantize(Decimal("0.01")), "f")
    return Decimal(text.rstrip("0").rstrip(".") if "." in text else text)  # 40, not 4E+1


@dataclass(frozen=True)
class LevelRow:
    priority: int
    label: str | Promise
    first_response_hours: Decimal | None
    resolution_hours: Decimal | None
    own: bool  # the contract's, not the default


@dataclass(frozen=True)
class HoursRow:
    weekday: int
    label: str | Promise
    opens: time | None  # None: closed
    closes: time | None


@dataclass(frozen=True)
class ContractSummary:
    contract: Contract
    levels: list[LevelRow]
    hours: list[HoursRow]
    own_hours: bool
    emails: list[str]


def contract_summary(contract: Contract) -> ContractSummary:
    """`contract` read with its targets and hours prefetched (contract_selectors)."""
    own_targets = {target.priority: target for target in contract.targets.all()}
    default_targets, default_calendar = default_levels()
    levels = []
    for priority in reversed(Priority.values):
        target = own_targets.get(priority) or default_targets.get(priority)
        levels.append(
            LevelRow(
                priority=priority,
                label=Priority(priority).label,
                first_response_hours=hours_of(target.first_response_minutes) if target else None,
                resolution_hours=hours_of(target.resolution_minutes) if target else None,
                own=priority in own_targets,
            )
        )
    own_hours = {row.weekday: (row.opens, row.closes) for row in contract.hours.all()}
    week = own_hours or default_calendar.hours
    hours = [HoursRow(day, WEEKDAYS[day], *(week.get(day) or (None, None))) for day in range(7)]
    emails = [email.strip() for email in contract.billing_emails.split(",") if email.strip()]
    return ContractSummary(contract, levels, hours, bool(own_hours), emails)
