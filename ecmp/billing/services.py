"""Every write to billing: time entries (recorded), invoices (numbered, never edited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Organization, User
from ecmp.billing.duration import MAX_MINUTES
from ecmp.billing.events import billing_event_emit, invoice_payload, time_entry_payload
from ecmp.billing.header import credit_note_header, invoice_header
from ecmp.billing.issuer import issuer_profile_get
from ecmp.billing.models import (
    ActivityType,
    Charge,
    HourPack,
    Invoice,
    InvoiceCounter,
    InvoiceItem,
    InvoiceLine,
    InvoiceVatTotal,
    TimeEntry,
    TimeEntryChange,
)
from ecmp.billing.pack_services import hour_pack_alerts_check
from ecmp.billing.selectors import (
    billing_profile_for,
    charges_to_invoice,
    entries_to_invoice,
    invoice_draft,
)
from ecmp.billing.vat import VatRow
from ecmp.core.access import is_admin, require_admin, require_staff
from ecmp.tickets.models import Ticket


def _snapshot(entry: TimeEntry) -> dict[str, Any]:
    return {
        "date": entry.date.isoformat(),
        "minutes": entry.minutes,
        "activity": entry.activity_type.name,
        "description": entry.description,
        "billable": entry.billable,
        "agent": entry.agent.email,
    }


def _record(
    entry: TimeEntry,
    actor: User,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    TimeEntryChange.objects.create(
        entry_id_value=entry.pk,
        ticket_id=entry.ticket_id,
        actor=actor,
        action=action,
        before=before,
        after=after,
    )


def _check_values(minutes: int, day: date, description: str) -> str:
    if not 0 < minutes <= MAX_MINUTES:
        raise ValidationError(_("A duration is between 1 minute and 24 hours."), code="minutes")
    if day > timezone.localdate():
        raise ValidationError(_("Time cannot be logged in the future."), code="future")
    return (description or "").replace("\x00", "").strip()[:500]


@transaction.atomic
def time_entry_create(
    *,
    ticket: Ticket,
    agent: User,
    day: date,
    minutes: int,
    activity_type: ActivityType,
    description: str = "",
    billable: bool = True,
) -> TimeEntry:
    require_staff(agent)
    description = _check_values(minutes, day, description)
    entry = TimeEntry.objects.create(
        ticket=ticket,
        agent=agent,
        date=day,
        minutes=minutes,
        activity_type=activity_type,
        description=description,
        billable=billable,
    )
    _record(entry, agent, "created", after=_snapshot(entry))
    if billable:  # non-billable time never draws from prepaid hours
        hour_pack_alerts_check(organization=ticket.organization_id, agent=agent)
    billing_event_emit("time_entry.created", time_entry_payload(entry))
    return entry


def _lock_own(entry: TimeEntry, by: User) -> TimeEntry:
    locked = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("agent", "activity_type")
        .get(pk=entry.pk)
    )
    if not (is_admin(by) or (by.is_active and locked.agent_id == by.pk)):
        raise PermissionDenied
    if locked.invoice_id is not None:
        raise ValidationError(
            _("This time is on an invoice: it can no longer be changed."), code="invoiced"
        )
    return locked


@transaction.atomic
def time_entry_update(
    *,
    entry: TimeEntry,
    by: User,
    day: date,
    minutes: int,
    activity_type: ActivityType,
    description: str,
    billable: bool,
) -> TimeEntry:
    locked = _lock_own(entry, by)
    description = _check_values(minutes, day, description)
    before = _snapshot(locked)
    locked.date, locked.minutes, locked.activity_type = day, minutes, activity_type
    locked.description, locked.billable = description, billable
    locked.updated_at = timezone.now()
    locked.save()
    _record(locked, by, "updated", before=before, after=_snapshot(locked))
    hour_pack_alerts_check(organization=locked.ticket.organization_id, agent=locked.agent)
    return locked


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, by: User) -> None:
    locked = _lock_own(entry, by)
    _record(locked, by, "deleted", before=_snapshot(locked))
    locked.delete()


def _next_invoice_number(year: int) -> str:
    """The next number of the year, without gaps: the counter row stays locked until commit."""
    if not InvoiceCounter.objects.filter(year=year).update(last_sequence=F("last_sequence") + 1):
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(year=year, last_sequence=1)
        except IntegrityError:
            return _next_invoice_number(year)
    sequence = InvoiceCounter.objects.values_list("last_sequence", flat=True).get(year=year)
    return f"{year}-{sequence:04d}"


@transaction.atomic
def invoice_issue(*, by: User, organization: Organization, start: date, end: date) -> Invoice:
    """Issue the invoice of a client's billable, not yet invoiced time in a period, with
    its pending charges; the issuer's and the client's details are copied onto it."""
    require_admin(by)
    if start > end:
        raise ValidationError(_("The period ends before it starts."), code="period")
    # Lock the entries and charges first: a second admin issuing at once waits, then
    # finds none.
    locked_ids = list(
        entries_to_invoice(organization, start, end)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    # And the client's prepaid packs: two invoices of other periods issued at once
    # would each draw the same minutes left (what an invoice draws is fixed).
    list(HourPack.objects.select_for_update().filter(organization=organization).values("pk"))
    locked_charge_ids = list(
        charges_to_invoice(organization, end)
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    draft = invoice_draft(organization, start, end)
    draft_ids = sorted(entry.pk for entry in draft.entries)
    charge_ids = sorted(line.charge.pk for line in draft.charges)
    if (
        not (draft_ids or charge_ids)
        or draft_ids != sorted(locked_ids)
        or charge_ids != sorted(locked_charge_ids)
    ):
        raise ValidationError(
            _("There is no billable time to invoice in this period."), code="empty"
        )
    today = timezone.localdate()
    number = _next_invoice_number(today.year)
    invoice = Invoice.objects.create(
        number=number,
        organization=organization,
        period_start=start,
        period_end=end,
        currency=draft.profile.currency,
        vat_rate=draft.time_vat_rate,
        total_net=Decimal(0),
        total_vat=Decimal(0),
        total_gross=Decimal(0),
        issued_at=timezone.now(),
        issued_by=by,
        **invoice_header(draft, issuer_profile_get(), number, today),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            entry=line.entry,
            ticket_number=group.ticket.number,
            ticket_subject=group.ticket.subject,
            requester_name=group.ticket.requester.full_name,
            date=line.entry.date,
            agent_name=line.entry.agent.full_name,
            activity=line.entry.activity_type.name,
            description=line.entry.description,
            minutes=line.entry.minutes if line.minutes is None else line.minutes,
            billed_minutes=line.billed_minutes,
            pack=line.pack,  # drawn from prepaid hours: fixed from now on
            hourly_rate=line.hourly_rate,
            amount=line.amount,
        )
        for group in draft.tickets
        for line in group.lines
    )
    InvoiceItem.objects.bulk_create(
        InvoiceItem(
            invoice=invoice,
            charge=line.charge,
            date=line.charge.date,
            description=line.charge.description,
            quantity=line.charge.quantity,
            unit_price=line.charge.unit_price,
            vat_rate=line.vat_rate,
            amount=line.amount,
        )
        for line in draft.charges
    )
    TimeEntry.objects.filter(pk__in=draft_ids).update(invoice=invoice)
    Charge.objects.filter(pk__in=charge_ids).update(invoice=invoice)
    _set_totals(invoice, draft.vat_rows)
    audit_record(
        AuditEvent.Kind.INVOICE_ISSUED,
        actor=by,
        target=invoice,
        detail=f"{invoice.number} to {organization.name}, {start} to {end}, "
        f"{invoice.total_gross} {invoice.currency}",
    )
    billing_event_emit("invoice.issued", invoice_payload(invoice))
    return invoice


def _set_totals(invoice: Invoice, rows: list[VatRow]) -> None:
    InvoiceVatTotal.objects.bulk_create(
        InvoiceVatTotal(invoice=invoice, category=r.category, rate=r.rate, net=r.net, vat=r.vat)
        for r in rows
    )
    invoice.total_net = sum((r.net for r in rows), Decimal("0.00"))
    invoice.total_vat = sum((r.vat for r in rows), Decimal("0.00"))
    invoice.total_gross = invoice.total_net + invoice.total_vat
    invoice.save(update_fields=["total_net", "total_vat", "total_gross"])


@transaction.atomic
def invoice_cancel(*, by: User, invoice: Invoice) -> Invoice:
    """Cancel an issued invoice by a credit note; its time and charges may then be
    invoiced again. The credit note copies the invoice with opposite signs.

    Both documents keep their lines, each pointing to the same time entries and charges.
    """
    require_admin(by)
    original = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if original.kind != Invoice.Kind.INVOICE or original.status not in (
        Invoice.Status.ISSUED,
        Invoice.Status.SENT,
    ):
        # Money received stays tied to its invoice: record the refund first.
        raise ValidationError(
            _("Only an issued or sent invoice, with no payment recorded, can be cancelled."),
            code="not_issued",
        )
    before = original.status
    credit = Invoice.objects.create(
        number=_next_invoice_number(timezone.localdate().year),
        kind=Invoice.Kind.CREDIT_NOTE,
        organization=original.organization,
        period_start=original.period_start,
        period_end=original.period_end,
        currency=original.currency,
        vat_rate=original.vat_rate,
        total_net=Decimal(0),
        total_vat=Decimal(0),
        total_gross=Decimal(0),
        issued_by=by,
        cancels=original,
        issue_date=timezone.localdate(),
        **credit_note_header(original),
    )
    lines = list(original.lines.all())
    for line in lines:
        line.pk = None
        line.invoice = credit
        line.amount = -line.amount
    InvoiceLine.objects.bulk_create(lines)
    items = list(original.items.all())
    for item in items:
        item.pk = None
        item.invoice = credit
        item.quantity, item.amount = -item.quantity, -item.amount
    InvoiceItem.objects.bulk_create(items)
    _set_totals(
        credit,
        [
            VatRow(total.category, total.rate, -total.net, -total.vat)
            for total in original.vat_totals.all()
        ],
    )
    original.status = Invoice.Status.CANCELLED
    original.save(update_fields=["status"])
    TimeEntry.objects.filter(invoice=original).update(invoice=None)
    Charge.objects.filter(invoice=original).update(invoice=None)
    audit_record(
        AuditEvent.Kind.INVOICE_CANCELLED,
        actor=by,
        target=original,
        changes={"status": [before, Invoice.Status.CANCELLED]},
        detail=f"{original.number} of {original.organization.name}, credit note {credit.number}",
    )
    return credit


@transaction.atomic
def billing_profile_update(*, by: User, organization: Organization, **values: Any) -> None:
    """Rates, rounding, currency, VAT and visibility of a client; admins only."""
    require_admin(by)
    profile = billing_profile_for(organization)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
