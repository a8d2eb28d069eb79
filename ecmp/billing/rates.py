"""The hourly rate of a time entry on an invoice draft.

The contract in force on the entry's date sets it when it has a rate for the entry's
kind of work (`ContractRate`); otherwise the client's own rate for that kind of work
(`ActivityRate`), else the client's hourly rate (`BillingProfile`), as before contracts.
Read once per draft (the client's rates, its contract versions of the period with
their rates), then picked per entry without a query."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from ecmp.accounts.models import Organization
from ecmp.billing.models import TimeEntry
from ecmp.sla.contract_selectors import contract_pick
from ecmp.sla.models import Contract


@dataclass
class _Version:
    pk: int
    starts_on: date
    ends_on: date | None
    rates: dict[int, Decimal] = field(default_factory=dict)


def _versions(organization: Organization, start: date, end: date) -> list[_Version]:
    """The versions that may be in force on a day of the period, with their rates:
    one query (a version without rates comes once, with NULLs)."""
    versions: dict[int, _Version] = {}
    rows = (
        Contract.objects.filter(organization=organization, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .values_list("pk", "starts_on", "ends_on", "rates__activity_type_id", "rates__hourly_rate")
    )
    for pk, starts_on, ends_on, activity_id, rate in rows:
        version = versions.setdefault(pk, _Version(pk, starts_on, ends_on))
        if activity_id is not None:
            version.rates[activity_id] = rate
    return list(versions.values())


def draft_rate_picker(
    organization: Organization,
    start: date,
    end: date,
    *,
    own: Mapping[int, Decimal],
    default: Decimal,
) -> Callable[[TimeEntry], Decimal]:
    """rate_of(entry): the hourly rate an entry of this client and period is billed at.

    `own`: the client's rates per kind of work (`ActivityRate`), `default` its hourly rate."""
    versions = _versions(organization, start, end)
    in_force: dict[date, _Version | None] = {}

    def rate_of(entry: TimeEntry) -> Decimal:
        if entry.date not in in_force:
            in_force[entry.date] = contract_pick(versions, entry.date)
        version = in_force[entry.date]
        if version is not None and entry.activity_type_id in version.rates:
            return version.rates[entry.activity_type_id]
        return own.get(entry.activity_type_id, default)

    return rate_of
