"""The hourly rate of a time entry on an invoice draft.

The contract in force on the entry's date sets it when it has a rate for the entry's
kind of work (`ContractRate`); otherwise the client's own rate for that kind of work
(`ActivityRate`), else the client's hourly rate (`BillingProfile`), as before contracts.
Read once per draft (the client's rates, its contract versions of the period with
their rates), then picked per entry without a query."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from ecmp.accounts.models import Organization
from ecmp.billing.models import TimeEntry
from ecmp.sla.contract_selectors import contract_pick
from ecmp.sla.models import Contract


@dataclass
class ContractVersion:
    """A contract version with its rates per kind of work (the shape contract_pick reads)."""

    pk: int
    starts_on: date
    ends_on: date | None
    rates: dict[int, Decimal] = field(default_factory=dict)


def contract_versions(
    organization_ids: Collection[int], start: date, end: date
) -> dict[int, list[ContractVersion]]:
    """Per client, the versions that may be in force on a day of the period, with their
    rates: one query for all the clients (a version without rates comes once, with
    NULLs)."""
    versions: dict[int, dict[int, ContractVersion]] = {}
    rows = (
        Contract.objects.filter(organization_id__in=organization_ids, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .values_list(
            "organization_id",
            "pk",
            "starts_on",
            "ends_on",
            "rates__activity_type_id",
            "rates__hourly_rate",
        )
    )
    for organization_id, pk, starts_on, ends_on, activity_id, rate in rows:
        version = versions.setdefault(organization_id, {}).setdefault(
            pk, ContractVersion(pk, starts_on, ends_on)
        )
        if activity_id is not None:
            version.rates[activity_id] = rate
    return {key: list(value.values()) for key, value in versions.items()}


def rate_picker(
    versions: list[ContractVersion], *, own: Mapping[int, Decimal], default: Decimal
) -> Callable[[date, int], Decimal]:
    """rate_of(day, activity_type_id) for one client: the rate of the version in force
    that day for that kind of work, else the client's own rate for it (`own`,
    `ActivityRate`), else its hourly rate (`default`). No query."""
    in_force: dict[date, ContractVersion | None] = {}

    def rate_of(day: date, activity_type_id: int) -> Decimal:
        if day not in in_force:
            in_force[day] = contract_pick(versions, day)
        version = in_force[day]
        if version is not None and activity_type_id in version.rates:
            return version.rates[activity_type_id]
        return own.get(activity_type_id, default)

    return rate_of


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
    versions = contract_versions([organization.pk], start, end).get(organization.pk, [])
    rate_of = rate_picker(versions, own=own, default=default)
    return lambda entry: rate_of(entry.date, entry.activity_type_id)
