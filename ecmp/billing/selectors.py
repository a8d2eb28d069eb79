"""Reads of billing data, with who-may-see-what applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from ecmp.accounts.models import Organization, User
from ecmp.billing.clients import Client, client_details
from ecmp.billing.models import (
    ActivityRate,
    BillingProfile,
    Charge,
    HourPack,
    Invoice,
    TimeEntry,
)
from ecmp.billing.money import billed_minutes, charge_amount, line_amount
from ecmp.billing.packs import pack_draws_for_entries
from ecmp.billing.profile_reads import saved_billing_profile
from ecmp.billing.rates import draft_rate_picker
from ecmp.billing.vat import DraftCharge, VatRow, vat_rows
from ecmp.core.access import is_admin
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import tickets_visible_to


def billing_profile_for(organization: Organization) -> BillingProfile:
    """The client's billing settings; the defaults (not saved: reads never write) if none."""
    profile = saved_billing_profile(organization.pk)
    return profile or BillingProfile(organization=organization)


def time_entries_for_ticket(ticket: Ticket) -> QuerySet[TimeEntry]:
    return ticket.time_entries.select_related("agent", "activity_type", "invoice").order_by(
        "-date", "-id"
    )


@dataclass
class DraftLine:
    entry: TimeEntry
    billed_minutes: int
    hourly_rate: Decimal
    amount: Decimal
    # Prepaid hours (billing/packs.py): this part of the entry is drawn from the pack
    # (amount 0); an entry split across packs, or beyond them, has one line per part.
    pack: HourPack | None = None
    # The entry's own minutes this part shows (None: the whole entry, not split).
    minutes: int | None = None


@dataclass
class DraftTicket:
    ticket: Ticket
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def minutes(self) -> int:
        return sum(line.billed_minutes for line in self.lines)


@dataclass
class Draft:
    organization: Organization
    profile: BillingProfile
    start: date
    end: date
    tickets: list[DraftTicket]
    charges: list[DraftCharge] = field(default_factory=list)
    client: Client | None = None

    @property
    def reverse_charge(self) -> bool:
        return bool(self.client and self.client.reverse_charge)

    @property
    def time_vat_rate(self) -> Decimal:
        return Decimal("0.00") if self.reverse_charge else self.profile.vat_rate

    @property
    def time_net(self) -> Decimal:
        return sum((t.subtotal for t in self.tickets), Decimal("0.00"))

    @property
    def vat_rows(self) -> list[VatRow]:
        return vat_rows(
            [(self.time_vat_rate, self.time_net)] if self.tickets else [],
            [(c.vat_rate, c.amount) for c in self.charges],
            reverse_charge=self.reverse_charge,
        )

    @property
    def net(self) -> Decimal:
        return sum((row.net for row in self.vat_rows), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return sum((row.vat for row in self.vat_rows), Decimal("0.00"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def entries(self) -> list[TimeEntry]:
        # Once each, even when an entry is split into pack and rate parts.
        return list({line.entry.pk: line.entry for t in self.tickets for line in t.lines}.values())


def entries_to_invoice(organization: Organization, start: date, end: date) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(
        ticket__organization=organization,
        billable=True,
        invoice__isnull=True,
        date__gte=start,
        date__lte=end,
    )


def charges_to_invoice(organization: Organization, end: date) -> QuerySet[Charge]:
    """A client's charges not invoiced yet, dated up to the period's end (an older one
    forgotten last month goes on the next invoice)."""
    return Charge.objects.filter(organization=organization, invoice__isnull=True, date__lte=end)


def _draft_parts(
    entry: TimeEntry, billed: int, rate: Decimal, draws: list[tuple[HourPack, int]]
) -> list[DraftLine]:
    """The entry's line, or its parts: drawn from packs at 0, the rest at the rate;
    the entry's own minutes shared out in the same order (they add up)."""
    if not draws:
        return [DraftLine(entry, billed, rate, line_amount(billed, rate))]
    parts, own = [], entry.minutes
    for pack, minutes in draws:
        shown = min(own, minutes)
        own -= shown
        parts.append(DraftLine(entry, minutes, rate, Decimal("0.00"), pack, shown))
    rest = billed - sum(minutes for _pack, minutes in draws)
    if rest > 0:
        parts.append(DraftLine(entry, rest, rate, line_amount(rest, rate), None, own))
    return parts


def invoice_draft(organization: Organization, start: date, end: date) -> Draft:
    """What an invoice for this client and period would list, grouped by ticket number."""
    profile = billing_profile_for(organization)
    rates = (
        {
            rate.activity_type_id: rate.hourly_rate
            for rate in ActivityRate.objects.filter(profile_id=profile.pk)
        }
        if profile.pk
        else {}
    )
    entries = (
        entries_to_invoice(organization, start, end)
        .select_related("ticket", "ticket__requester", "agent", "activity_type")
        .defer("ticket__search_document")
        .order_by("ticket__number", "date", "id")
    )
    tickets: dict[int, DraftTicket] = {}
    rate_of = draft_rate_picker(organization, start, end, own=rates, default=profile.hourly_rate)
    draws = pack_draws_for_entries(organization.pk)
    for entry in entries:
        rate = rate_of(entry)  # the contract's in force that day, else the client's
        billed = billed_minutes(entry.minutes, profile.rounding_minutes)
        group = tickets.setdefault(entry.ticket_id, DraftTicket(entry.ticket))
        group.lines.extend(_draft_parts(entry, billed, rate, draws.get(entry.pk, [])))
    client = client_details(organization, end)
    charges = [
        DraftCharge(
            charge,
            Decimal("0.00") if client.reverse_charge else charge.vat_rate,
            charge_amount(charge.quantity, charge.unit_price),
        )
        for charge in charges_to_invoice(organization, end).order_by("date", "id")
    ]
    return Draft(organization, profile, start, end, list(tickets.values()), charges, client)


def invoices_visible_to(user: User) -> QuerySet[Invoice]:
    """Admins see every invoice; a team manager their company's; anybody else none."""
    invoices = Invoice.objects.select_related("organization", "cancels")
    if is_admin(user):
        return invoices
    if (organization_id := user.managed_organization_id) is not None:
        return invoices.filter(organization_id=organization_id)
    return invoices.none()


def invoice_for(user: User, pk: int) -> Invoice:
    invoice = invoices_visible_to(user).filter(pk=pk).first()
    if invoice is None:
        raise Http404
    return invoice


def time_per_ticket_for_manager(user: User) -> QuerySet[Ticket]:
    """A team manager's view of where the time went: their company's tickets with
    time, among the tickets they may see (their own, or all when the company lets
    its managers see every ticket): a colleague's subject stays the colleague's."""
    if (organization_id := user.managed_organization_id) is None:
        return Ticket.objects.none()
    return (
        tickets_visible_to(user)
        .filter(organization_id=organization_id, time_entries__isnull=False)
        .annotate(
            minutes=Sum("time_entries__minutes"),
            billable_minutes=Coalesce(
                Sum("time_entries__minutes", filter=Q(time_entries__billable=True)), 0
            ),
        )
        .order_by("-number")
    )


def time_on_hidden_tickets_for_manager(user: User) -> dict[str, int]:
    """The time on the company's tickets the manager may not see, as one total
    (tickets, minutes, billable minutes) without numbers or subjects: the figures
    still add up to what the company is billed, as the invoice shows."""
    if user.managed_organization_id is None:
        return {"tickets": 0, "minutes": 0, "billable_minutes": 0}
    totals = hidden_time_entries(user).aggregate(
        ticket_count=Count("ticket", distinct=True),
        total=Coalesce(Sum("minutes"), 0),
        billable=Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
    )
    return {
        "tickets": totals["ticket_count"],
        "minutes": totals["total"],
        "billable_minutes": totals["billable"],
    }


def hidden_time_entries(user: User) -> QuerySet[TimeEntry]:
    """The time entries `time_on_hidden_tickets_for_manager` adds up (a manager's;
    nobody else's)."""
    if (organization_id := user.managed_organization_id) is None:
        return TimeEntry.objects.none()
    return TimeEntry.objects.filter(ticket__organization_id=organization_id).exclude(
        ticket__in=tickets_visible_to(user)
    )


def report_rows(start: date, end: date) -> dict[str, list[dict[str, Any]]]:
    """Time per organization and month, and per agent: aggregates in the database."""
    entries = TimeEntry.objects.filter(date__gte=start, date__lte=end)
    billable = Coalesce(Sum("minutes", filter=Q(billable=True)), 0)
    per_org_month = list(
        entries.annotate(month=TruncMonth("date"))
        .values("month", "ticket__organization__name")
        .annotate(total_minutes=Sum("minutes"), billable_minutes=billable)
        .order_by("month", "ticket__organization__name")
    )
    per_agent = list(
        entries.values("agent__full_name")
        .annotate(total_minutes=Sum("minutes"), billable_minutes=billable)
        .order_by("-total_minutes")
    )
    return {"per_org_month": per_org_month, "per_agent": per_agent}
