"""Reads of prepaid hours (issue 19 §2): which pack each billable minute draws from.

The rule: billable time entries draw their billed minutes (rounded as the invoice
rounds them) in order of date then id, each from the oldest pack valid on its date
(sold_on, id) with minutes left, split across packs when one runs out. What issued
invoices drew is fixed (their lines with a pack); time not invoiced yet is allocated
here, on read, after those fixed draws. `allocate` is the rule, pure; the selectors
feed it in a constant number of queries whatever the number of clients or entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ecmp.accounts.models import User
from ecmp.billing.models import BillingProfile, HourPack, Invoice, InvoiceLine, TimeEntry
from ecmp.billing.money import billed_minutes
from ecmp.core.prepared import prepared
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import tickets_visible_to

# ---------------------------------------------------------------------------
# The rule, pure.


@dataclass(frozen=True)
class PackSlot:
    id: int
    sold_on: date
    expires_on: date | None
    minutes: int
    fixed: int = 0  # drawn by issued invoices, not to be drawn again

    def valid_on(self, day: date) -> bool:
        return self.sold_on <= day and (self.expires_on is None or day <= self.expires_on)


@dataclass(frozen=True)
class PendingEntry:
    id: int
    date: date
    billed: int  # billed minutes (after the client's rounding)


@dataclass
class Allocation:
    # entry id -> [(pack id, minutes)], oldest pack first; absent: nothing drawn
    draws: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # pack id -> minutes drawn in all (fixed by invoices + allocated now)
    used: dict[int, int] = field(default_factory=dict)


def allocate(packs: Iterable[PackSlot], entries: Iterable[PendingEntry]) -> Allocation:
    ordered = sorted(packs, key=lambda p: (p.sold_on, p.id))
    left = {p.id: max(0, p.minutes - p.fixed) for p in ordered}
    result = Allocation(used={p.id: min(p.minutes, p.fixed) for p in ordered})
    for entry in sorted(entries, key=lambda e: (e.date, e.id)):
        wanted = entry.billed
        for pack in ordered:
            if wanted <= 0:
                break
            if not left[pack.id] or not pack.valid_on(entry.date):
                continue
            taken = min(wanted, left[pack.id])
            left[pack.id] -= taken
            result.used[pack.id] += taken
            result.draws.setdefault(entry.id, []).append((pack.id, taken))
            wanted -= taken
    return result


# ---------------------------------------------------------------------------
# Feeding it from the database.


def _fixed_draws() -> Subquery:
    """Minutes an issued, not cancelled invoice drew from the pack (a credit note
    cancels its invoice, freeing them; its own copied lines never count)."""
    lines = (
        InvoiceLine.objects.filter(pack=OuterRef("pk"), invoice__kind=Invoice.Kind.INVOICE)
        .exclude(invoice__status=Invoice.Status.CANCELLED)
        .order_by()
        .values("pack")
        .annotate(total=Sum("billed_minutes"))
        .values("total")
    )
    return Subquery(lines, output_field=IntegerField())


def _packs(organization_ids: list[int] | None) -> list[HourPack]:
    packs: QuerySet[HourPack] = HourPack.objects.annotate(
        fixed=Coalesce(_fixed_draws(), Value(0))
    ).order_by("sold_on", "id")
    if organization_ids is not None:
        packs = packs.filter(organization_id__in=organization_ids)
    return list(packs)


@dataclass(frozen=True)
class _Pending:
    entry: PendingEntry
    organization_id: int
    ticket_id: int


def _pending(packs: list[HourPack]) -> list[_Pending]:
    """The billable time not invoiced yet of the organizations with packs, from their
    oldest pack's date on (nothing earlier can draw), with their clients' rounding."""
    if not packs:
        return []
    first: dict[int, date] = {}
    for pack in packs:
        first[pack.organization_id] = min(
            first.get(pack.organization_id, pack.sold_on), pack.sold_on
        )
    since = Q()
    for organization_id, day in first.items():
        since |= Q(ticket__organization_id=organization_id, date__gte=day)
    rounding = BillingProfile.objects.filter(
        organization_id=OuterRef("ticket__organization_id")
    ).values("rounding_minutes")[:1]
    rows = (
        TimeEntry.objects.filter(since, billable=True, invoice__isnull=True)
        .order_by()
        .values_list("id", "date", "minutes", "ticket__organization_id", "ticket_id")
        .annotate(rounding=Subquery(rounding, output_field=IntegerField()))
    )
    default = BillingProfile._meta.get_field("rounding_minutes").get_default()
    return [
        _Pending(
            PendingEntry(pk, day, billed_minutes(minutes, step if step is not None else default)),
            organization_id,
            ticket_id,
        )
        for pk, day, minutes, organization_id, ticket_id, step in rows
    ]


def _slot(pack: HourPack) -> PackSlot:
    fixed = int(pack.fixed)  # type: ignore[attr-defined]  # annotated by _packs()
    return PackSlot(pack.pk, pack.sold_on, pack.expires_on, pack.minutes, fixed)


@dataclass(frozen=True)
class PackUse:
    """One pack as the pages show it."""

    pack: HourPack
    used_minutes: int

    @property
    def left_minutes(self) -> int:
        return max(0, self.pack.minutes - self.used_minutes)

    def in_force(self, today: date) -> bool:
        return self.pack.sold_on <= today and (
            self.pack.expires_on is None or today <= self.pack.expires_on
        )

    def expired(self, today: date) -> bool:
        return self.pack.expires_on is not None and self.pack.expires_on < today

    def expired_minutes(self, today: date) -> int:
        """Hours that ran out unused: never silently lost, they are reported."""
        return self.left_minutes if self.expired(today) else 0


@dataclass
class PackBalance:
    """A client's prepaid hours on a day. Bought, used and left count the packs in
    force that day; expired counts what packs that ended before it left unused."""

    included_minutes: int = 0
    used_minutes: int = 0
    left_minutes: int = 0
    expired_minutes: int = 0
    packs: list[PackUse] = field(default_factory=list)

    @property
    def percent_used(self) -> int:
        if not self.included_minutes:
            return 0
        return self.used_minutes * 100 // self.included_minutes

    def in_force(self, today: date) -> list[PackUse]:
        return [use for use in self.packs if use.in_force(today)]


def _balance(uses: list[PackUse], today: date) -> PackBalance:
    balance = PackBalance(packs=uses)
    for use in uses:
        if use.in_force(today):
            balance.included_minutes += use.pack.minutes
            balance.used_minutes += use.used_minutes
            balance.left_minutes += use.left_minutes
        balance.expired_minutes += use.expired_minutes(today)
    return balance


@dataclass
class _Loaded:
    packs: list[HourPack]
    pending: list[_Pending]
    allocation: Allocation


def _load(organization_ids: list[int] | None) -> _Loaded:
    packs = _packs(organization_ids)
    pending = _pending(packs)
    by_org: dict[int, list[PackSlot]] = defaultdict(list)
    for pack in packs:
        by_org[pack.organization_id].append(_slot(pack))
    entries_by_org: dict[int, list[PendingEntry]] = defaultdict(list)
    for row in pending:
        entries_by_org[row.organization_id].append(row.entry)
    allocation = Allocation()
    for organization_id, slots in by_org.items():
        part = allocate(slots, entries_by_org.get(organization_id, []))
        allocation.draws.update(part.draws)
        allocation.used.update(part.used)
    return _Loaded(packs, pending, allocation)


def _balances(loaded: _Loaded, today: date) -> dict[int, PackBalance]:
    uses: dict[int, list[PackUse]] = defaultdict(list)
    for pack in loaded.packs:
        uses[pack.organization_id].append(PackUse(pack, loaded.allocation.used.get(pack.pk, 0)))
    return {organization_id: _balance(rows, today) for organization_id, rows in uses.items()}


def pack_balances(
    organization_ids: list[int] | None = None, *, today: date
) -> dict[int, PackBalance]:
    """The prepaid hours of these organizations (all when None), keyed by organization
    id; an organization without packs is absent. Three queries at most, however many."""
    return _balances(_load(organization_ids), today)


# Whether a client ever bought hours: compiled once per process (core/prepared.py),
# the desk's ticket page asks it on every view, and most clients have none.
_HAS_PACKS = prepared(
    lambda organization_id: (
        HourPack.objects.filter(organization_id=organization_id).order_by().values_list("pk")[:1]
    ),
    arity=1,
)


def pack_balance(organization_id: int, *, today: date) -> PackBalance | None:
    """One client's prepaid hours, None when it never bought any: one prepared
    statement then, three otherwise (the desk's ticket page shows it beside the time)."""
    if not _HAS_PACKS.rows(organization_id):
        return None
    return pack_balances([organization_id], today=today).get(organization_id)


def pending_pack_minutes(organization_ids: list[int]) -> dict[int, int]:
    """Entry id -> the billed minutes prepaid packs cover, for these clients' time not
    invoiced yet (the billing reports price the rest): three queries, however many."""
    return {
        entry_id: sum(minutes for _pack_id, minutes in parts)
        for entry_id, parts in _load(organization_ids).allocation.draws.items()
    }


def pack_draws_for_entries(organization_id: int) -> dict[int, list[tuple[HourPack, int]]]:
    """What each of the client's time entries not invoiced yet draws: entry id ->
    [(pack, minutes)], oldest pack first (the invoice draft splits its lines so)."""
    loaded = _load([organization_id])
    packs = {pack.pk: pack for pack in loaded.packs}
    return {
        entry_id: [(packs[pack_id], minutes) for pack_id, minutes in parts]
        for entry_id, parts in loaded.allocation.draws.items()
    }


@dataclass
class PackReport:
    """A client's balance and the minutes drawn per ticket (invoiced and not yet)."""

    balance: PackBalance
    drawn_by_ticket: dict[int, int]


def pack_report(organization_id: int, *, today: date) -> PackReport | None:
    if not _HAS_PACKS.rows(organization_id):
        return None  # as `pack_balance`: most clients never bought hours
    loaded = _load([organization_id])
    balance = _balances(loaded, today).get(organization_id)
    if balance is None:
        return None
    drawn: dict[int, int] = defaultdict(int)
    for row in loaded.pending:
        for _pack_id, minutes in loaded.allocation.draws.get(row.entry.id, []):
            drawn[row.ticket_id] += minutes
    fixed = (
        InvoiceLine.objects.filter(
            pack__organization_id=organization_id, invoice__kind=Invoice.Kind.INVOICE
        )
        .exclude(invoice__status=Invoice.Status.CANCELLED)
        .order_by()
        .values_list("entry__ticket_id")
        .annotate(total=Sum("billed_minutes"))
    )
    for ticket_id, minutes in fixed:
        drawn[ticket_id] += minutes
    return PackReport(balance, dict(drawn))


@dataclass
class ManagerPacks:
    """What a team manager sees of their company's prepaid hours: the balance, the
    minutes drawn per ticket they may see, and the rest as one total (a colleague's
    ticket stays the colleague's, but the figures still add up)."""

    balance: PackBalance
    tickets: list[tuple[Ticket, int]]
    hidden_minutes: int


def pack_report_for_manager(user: User, *, today: date) -> ManagerPacks | None:
    """None for anybody but a team manager of a company that bought hours."""
    if (organization_id := user.managed_organization_id) is None:
        return None
    report = pack_report(organization_id, today=today)
    if report is None:
        return None
    visible = list(
        tickets_visible_to(user)
        .filter(organization_id=organization_id, pk__in=list(report.drawn_by_ticket))
        .only("id", "number", "subject")
        .order_by("-number")
    )
    shown = [(ticket, report.drawn_by_ticket[ticket.pk]) for ticket in visible]
    hidden = sum(report.drawn_by_ticket.values()) - sum(minutes for _ticket, minutes in shown)
    return ManagerPacks(report.balance, shown, hidden)
