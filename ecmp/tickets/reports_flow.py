"""The support manager's reports, continued: SLA compliance per client, the backlog
over time, the tickets opened per channel. Grouped and counted by the database.

SLA compliance is over the tickets opened in the period that have deadlines (a
priority without targets sets none). A deadline is met when the moment came before
it (first response, close), missed when it came after it or when it passed with
nothing done; a ticket whose deadline is still ahead counts in neither. "Both met":
the first response and the resolution were both on time; a ticket that missed
either counts against it.

The backlog is the count of tickets open at the end of each day, read from the
tickets' own moments: open from `created_at` to `closed_at`. A ticket keeps only its
last close, so a reopened ticket counts as open from its creation to that last close
(or until now, when it is open again), including the days it stood closed in between.
Reading every status change from the events instead would be exact, at the price of
reading a year of events for the count at the period's start; reopened tickets are
few, so the approximation is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ecmp.accounts.models import Organization
from ecmp.core.choices import choice_label
from ecmp.tickets.reports import ReportPeriod
from ecmp.tickets.status import UNRESOLVED, Channel, Status

# Longer periods show the backlog at the end of each week rather than each day.
DAILY_UP_TO_DAYS = 62


@dataclass
class SlaRow:
    organization_id: int | None
    name: str
    tickets: int
    first_response_met: int
    first_response_missed: int
    resolution_met: int
    resolution_missed: int
    both_met: int
    any_missed: int

    @staticmethod
    def share(met: int, missed: int) -> float | None:
        """The share met, in percent; None when nothing was decided yet."""
        return round(100 * met / (met + missed), 1) if met + missed else None

    @property
    def first_response_share(self) -> float | None:
        return self.share(self.first_response_met, self.first_response_missed)

    @property
    def resolution_share(self) -> float | None:
        return self.share(self.resolution_met, self.resolution_missed)

    @property
    def both_share(self) -> float | None:
        return self.share(self.both_met, self.any_missed)


def _sla_conditions() -> dict[str, Q]:
    now = timezone.now()
    first_due = Q(first_response_due_at__isnull=False)
    resolution_due = Q(resolution_due_at__isnull=False)
    first_met = first_due & Q(first_response_at__lte=F("first_response_due_at"))
    first_missed = first_due & (
        Q(first_response_at__gt=F("first_response_due_at"))
        | Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    )
    resolution_met = resolution_due & Q(status=Status.CLOSED, closed_at__lte=F("resolution_due_at"))
    resolution_missed = resolution_due & (
        Q(status=Status.CLOSED, closed_at__gt=F("resolution_due_at"))
        | (~Q(status=Status.CLOSED) & Q(resolution_due_at__lt=now))
    )
    return {
        "first_response_met": first_met,
        "first_response_missed": first_missed,
        "resolution_met": resolution_met,
        "resolution_missed": resolution_missed,
        "both_met": first_met & resolution_met,
        "any_missed": first_missed | resolution_missed,
    }


def sla_compliance(period: ReportPeriod) -> list[SlaRow]:
    """Per client, by name: one grouped statement (read from an index alone on
    PostgreSQL), then the clients' names."""
    counts = {name: Count("id", filter=q) for name, q in _sla_conditions().items()}
    rows = list(
        period.tickets()
        .filter(period.opened())
        .values("organization_id")
        .annotate(tickets=Count("id"), **counts)
        .order_by()
    )
    names = dict(
        Organization.objects.filter(pk__in=[row["organization_id"] for row in rows]).values_list(
            "pk", "name"
        )
    )
    found = [SlaRow(name=names.get(row["organization_id"], ""), **row) for row in rows]
    return sorted(found, key=lambda row: (row.name.lower(), row.organization_id))


def sla_total(rows: list[SlaRow]) -> SlaRow:
    """Every client together (a sum over the clients' rows)."""
    names = [
        "tickets",
        "first_response_met",
        "first_response_missed",
        "resolution_met",
        "resolution_missed",
        "both_met",
        "any_missed",
    ]
    sums = {name: sum(getattr(row, name) for row in rows) for name in names}
    return SlaRow(organization_id=None, name="", **sums)


@dataclass
class BacklogPoint:
    day: date
    open_tickets: int
    opened: int
    closed: int


def backlog(period: ReportPeriod) -> list[BacklogPoint]:
    """Open tickets at the end of each day (each week, for long periods) of the period,
    up to today: the count at its start, then the day's openings and closes."""
    tickets = period.tickets()
    start_at = period.start_at
    at_start = (
        tickets.filter(created_at__lt=start_at)
        .filter(Q(status__in=UNRESOLVED) | Q(status=Status.CLOSED, closed_at__gte=start_at))
        .count()
    )

    def per_day(field: str, condition: Q) -> dict[date, int]:
        rows = (
            tickets.filter(condition)
            .annotate(day=TruncDate(field))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {row["day"]: row["n"] for row in rows}

    opened = per_day("created_at", period.opened())
    closed = per_day("closed_at", period.closed())
    last = min(period.end, timezone.localdate())
    weekly = (period.end - period.start).days >= DAILY_UP_TO_DAYS
    points: list[BacklogPoint] = []
    count, day, opened_since, closed_since = at_start, period.start, 0, 0
    while day <= last:  # over the days, never over the tickets
        count += opened.get(day, 0) - closed.get(day, 0)
        opened_since += opened.get(day, 0)
        closed_since += closed.get(day, 0)
        if not weekly or day.weekday() == 6 or day == last:
            points.append(BacklogPoint(day, count, opened_since, closed_since))
            opened_since = closed_since = 0
        day += timedelta(days=1)
    return points


@dataclass
class ChannelRow:
    channel: str
    label: str
    tickets: int


def opened_by_channel(period: ReportPeriod) -> list[ChannelRow]:
    """Tickets opened in the period per channel, most first."""
    rows = (
        period.tickets()
        .filter(period.opened())
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("-n", "channel")
    )
    return [
        ChannelRow(row["channel"], choice_label(Channel, row["channel"]), row["n"]) for row in rows
    ]
