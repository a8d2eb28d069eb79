"""The billing reports for the administrators and the accountant (issue 19 §6): revenue
per client and month, prepaid hours per client, unbilled time, receivables by age, SLA
compliance per client. Each table is read in a fixed number of statements, grouped and
summed by the database, whatever the number of clients.

- Revenue: every issued document by its issue date's month, net of credit notes. A
  cancelled invoice still counts in its month, and its credit note (negative totals)
  counts in the credit note's month: they cancel out over both months, as in the books.
- Receivables: what the clients still owe today (issued, sent and partly paid invoices:
  total with VAT less what was paid), by days past the due date. Credit notes are left
  out: each cancels an invoice that is no longer owed (status "cancelled").
- Unbilled time: billable time not on an invoice, dated in the period, and what an
  invoice of the period would charge for it (the draft's rounding and rates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from ecmp.accounts.models import Organization
from ecmp.billing.models import ActivityRate, BillingProfile, Invoice, TimeEntry
from ecmp.billing.money import billed_minutes, cents, line_amount
from ecmp.billing.packs import pack_balances, pending_pack_minutes
from ecmp.billing.rates import ContractVersion, contract_versions, rate_picker
from ecmp.tickets.reports import ReportPeriod, report_reading
from ecmp.tickets.reports_flow import SlaRow, sla_compliance

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)

# Receivables' ages: (key, first day overdue, last day overdue); None: no bound.
AGE_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("days_1_30", 1, 30),
    ("days_31_60", 31, 60),
    ("days_61_90", 61, 90),
    ("over_90", 91, None),
)


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else cents(Decimal(value))


def _names(ids: set[int]) -> dict[int, str]:
    return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))


def _by_name(rows: list, *keys: Callable) -> list:
    return sorted(
        rows, key=lambda row: (row.name.lower(), row.organization_id, *(k(row) for k in keys))
    )


@dataclass
class RevenueRow:
    organization_id: int
    name: str
    month: date
    currency: str
    invoices: int
    credit_notes: int
    invoiced_net: Decimal
    credited_net: Decimal  # negative, as the credit notes carry it
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass
class MoneyTotal:
    """The sum of a table's money columns in one currency."""

    currency: str
    amounts: dict[str, Decimal] = field(default_factory=dict)


def money_totals(rows: list, names: tuple[str, ...]) -> list[MoneyTotal]:
    totals: dict[str, MoneyTotal] = {}
    for row in rows:
        total = totals.setdefault(
            row.currency, MoneyTotal(row.currency, dict.fromkeys(names, ZERO))
        )
        for name in names:
            total.amounts[name] += getattr(row, name)
    return [totals[currency] for currency in sorted(totals)]


REVENUE_AMOUNTS = ("invoiced_net", "credited_net", "net", "vat", "gross")


def revenue_per_client_month(start: date, end: date) -> list[RevenueRow]:
    """Per client, month of issue and currency: one grouped statement."""
    is_credit = Q(kind=Invoice.Kind.CREDIT_NOTE)
    rows = (
        Invoice.objects.filter(issue_date__gte=start, issue_date__lte=end)
        .annotate(month=TruncMonth("issue_date"))
        .values("organization_id", "organization__name", "month", "currency")
        .annotate(
            invoices=Count("id", filter=~is_credit),
            credit_notes=Count("id", filter=is_credit),
            invoiced_net=Sum("total_net", filter=~is_credit),
            credited_net=Sum("total_net", filter=is_credit),
            net=Sum("total_net"),
            vat=Sum("total_vat"),
            gross=Sum("total_gross"),
        )
        .order_by()
    )
    found = [
        RevenueRow(
            organization_id=row["organization_id"],
            name=row["organization__name"],
            month=row["month"],
            currency=row["currency"],
            invoices=row["invoices"],
            credit_notes=row["credit_notes"],
            **{name: _money(row[name]) for name in REVENUE_AMOUNTS},
        )
        for row in rows
    ]
    return _by_name(found, lambda row: row.month, lambda row: row.currency)


@dataclass
class ReceivableRow:
    organization_id: int
    name: str
    currency: str
    invoices: int
    oldest_due: date | None
    not_due: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal


RECEIVABLE_AMOUNTS = (*(key for key, _first, _last in AGE_BUCKETS), "total")


def _age_condition(today: date, first: int | None, last: int | None) -> Q:
    """The invoices `first` to `last` days overdue today (due today: 0 days)."""
    condition = Q()
    if first is not None:
        condition &= Q(due__lte=today - timedelta(days=first))
    if last is not None:
        condition &= Q(due__gte=today - timedelta(days=last))
    return condition


def receivables_by_age(today: date) -> list[ReceivableRow]:
    """Per client and currency, what its unpaid invoices still owe, by age: one grouped
    statement over the unpaid invoices (index invoice_by_state_due). An invoice issued
    before due dates existed is due from its issue date."""
    due_amount = ExpressionWrapper(F("total_gross") - F("amount_paid"), output_field=MONEY)
    buckets = {
        key: Sum(due_amount, filter=_age_condition(today, first, last))
        for key, first, last in AGE_BUCKETS
    }
    rows = (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status__in=Invoice.UNPAID)
        .alias(due=Coalesce("due_date", "issue_date"))
        .values("organization_id", "organization__name", "currency")
        .annotate(invoices=Count("id"), oldest_due=Min("due"), total=Sum(due_amount), **buckets)
        .order_by()
    )
    found = [
        ReceivableRow(
            organization_id=row["organization_id"],
            name=row["organization__name"],
            currency=row["currency"],
            invoices=row["invoices"],
            oldest_due=row["oldest_due"],
            **{name: _money(row[name]) for name in RECEIVABLE_AMOUNTS},
        )
        for row in rows
    ]
    return _by_name(found, lambda row: row.currency)


@dataclass
class UnbilledRow:
    organization_id: int
    name: str
    currency: str
    entries: int = 0
    minutes: int = 0
    billed_minutes: int = 0  # rounded per entry, as the invoice rounds them
    prepaid_minutes: int = 0  # of the billed minutes, those prepaid packs cover
    amount: Decimal = ZERO  # without VAT, at the rates the invoice would apply


def _rate_sources(
    organization_ids: set[int], start: date, end: date
) -> tuple[
    dict[int, BillingProfile], dict[int, dict[int, Decimal]], dict[int, list[ContractVersion]]
]:
    """What billing/rates.py draft_rate_picker reads for one client, for every client at
    once: the billing profiles, the clients' own rates per kind of work, the contract
    versions that may be in force in the period with their rates (three statements)."""
    profiles = {
        profile.organization_id: profile
        for profile in BillingProfile.objects.filter(organization_id__in=organization_ids)
    }
    own: dict[int, dict[int, Decimal]] = {}
    for organization_id, activity_id, rate in ActivityRate.objects.filter(
        profile__organization_id__in=organization_ids
    ).values_list("profile__organization_id", "activity_type_id", "hourly_rate"):
        own.setdefault(organization_id, {})[activity_id] = rate
    return profiles, own, contract_versions(organization_ids, start, end)


def unbilled_time(start: date, end: date) -> list[UnbilledRow]:
    """Per client: its billable time not invoiced yet, dated in the period, and what an
    invoice would charge for it, priced as selectors.invoice_draft prices an entry:
    rounded up to the client's step; the billed minutes a prepaid pack covers at no
    charge (billing/packs.py, the same draw-down as the draft's); the rest at the
    contract's rate that day for the kind of work, else the client's own rate for it,
    else its hourly rate; each entry's amount to the cent, then summed.

    The entries are read once, one row each (their value depends on each one's pack
    draw), with the rates of all clients in three statements and the packs in three."""
    entries = list(
        TimeEntry.objects.filter(
            billable=True, invoice__isnull=True, date__gte=start, date__lte=end
        )
        .order_by()
        .values_list("id", "ticket__organization_id", "date", "activity_type_id", "minutes")
    )
    organization_ids = {entry[1] for entry in entries}
    if not organization_ids:
        return []
    profiles, own, versions = _rate_sources(organization_ids, start, end)
    drawn = pending_pack_minutes(sorted(organization_ids))
    names = _names(organization_ids)
    rows: dict[int, UnbilledRow] = {}
    pickers: dict[int, Callable[[date, int], Decimal]] = {}
    for entry_id, organization_id, day, activity_id, minutes in entries:
        profile = profiles.get(organization_id) or BillingProfile(organization_id=organization_id)
        row = rows.setdefault(
            organization_id,
            UnbilledRow(organization_id, names.get(organization_id, ""), profile.currency),
        )
        if organization_id not in pickers:
            pickers[organization_id] = rate_picker(
                versions.get(organization_id, []),
                own=own.get(organization_id, {}),
                default=profile.hourly_rate,
            )
        rate = pickers[organization_id](day, activity_id)
        billed = billed_minutes(minutes, profile.rounding_minutes)
        from_packs = drawn.get(entry_id, 0)
        row.entries += 1
        row.minutes += minutes
        row.billed_minutes += billed
        row.prepaid_minutes += from_packs
        row.amount += line_amount(billed - from_packs, rate)
    return _by_name(list(rows.values()))


UNBILLED_AMOUNTS = ("amount",)


@dataclass
class HoursRow:
    """A client's prepaid hours today (billing/packs.py): bought, used and left of the
    packs in force; expired: what packs that ended left unused."""

    organization_id: int
    name: str
    included_minutes: int
    used_minutes: int
    left_minutes: int
    expired_minutes: int


def prepaid_hours(today: date) -> list[HoursRow]:
    """Every client that bought prepaid hours: the packs' balances (three statements),
    then the clients' names."""
    balances = pack_balances(None, today=today)
    names = _names(set(balances))
    rows = [
        HoursRow(
            organization_id,
            names.get(organization_id, ""),
            balance.included_minutes,
            balance.used_minutes,
            balance.left_minutes,
            balance.expired_minutes,
        )
        for organization_id, balance in balances.items()
    ]
    return _by_name(rows)


def sla_per_client(start: date, end: date) -> list[SlaRow]:
    """The support reports' SLA compliance per client (tickets/reports_flow.py), for the
    tickets opened in the period."""
    with report_reading():
        return sla_compliance(ReportPeriod(start, end))
