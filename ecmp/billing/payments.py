"""Payments received for invoices (issue 19 §5): recorded by an admin, or read from a
bank statement's lines matched by their payment reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.billing.events import billing_event_emit, invoice_payload
from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import Payment
from ecmp.billing.statements import StatementLine, statement_parse
from ecmp.core.access import require_admin

CENT = Decimal("0.01")
# Larger than any amount the invoice's columns hold.
AMOUNT_MAX = Decimal("9999999999.99")


def _status_after(invoice: Invoice) -> str:
    if invoice.amount_paid >= invoice.total_gross:
        return Invoice.Status.PAID
    if invoice.amount_paid > 0:
        return Invoice.Status.PARTLY_PAID
    return Invoice.Status.SENT if invoice.sent_at else Invoice.Status.ISSUED


def payment_check(invoice: Invoice, *, day: date, amount: Decimal) -> None:
    """Why a payment cannot be recorded on this (locked) invoice, as a ValidationError."""
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(_("A credit note is not paid."), code="credit_note")
    if invoice.status not in Invoice.UNPAID:
        raise ValidationError(
            _("Invoice %(number)s is %(state)s: no payment is expected.")
            % {"number": invoice.number, "state": invoice.get_status_display().lower()},
            code="not_unpaid",
        )
    if amount <= 0 or amount != amount.quantize(CENT) or amount > AMOUNT_MAX:
        raise ValidationError(
            _("The amount must be more than zero, in cents at most."), code="amount"
        )
    if day > timezone.localdate():
        raise ValidationError(_("The payment date cannot be in the future."), code="future")
    if amount > invoice.amount_due:
        raise ValidationError(
            _("This is more than the amount due on %(number)s (%(due)s %(currency)s).")
            % {"number": invoice.number, "due": invoice.amount_due, "currency": invoice.currency},
            code="over_payment",
        )


def payment_apply(
    *, by: User, invoice: Invoice, day: date, amount: Decimal, reference: str, source: str
) -> Payment:
    """Record a payment on a locked invoice (checked first), inside the caller's
    transaction: the amount paid, the state and the audit log move together."""
    payment_check(invoice, day=day, amount=amount)
    payment = Payment.objects.create(
        invoice=invoice,
        date=day,
        amount=amount,
        reference=reference.strip()[:140],
        source=source,
        recorded_by=by,
    )
    before = invoice.status
    invoice.amount_paid += amount
    invoice.status = _status_after(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    audit_record(
        AuditEvent.Kind.PAYMENT_RECORDED,
        actor=by,
        target=invoice,
        changes={
            "status": [before, invoice.status],
            "amount_paid": [str(invoice.amount_paid - amount), str(invoice.amount_paid)],
        },
        detail=f"{invoice.number}: {amount} {invoice.currency} on {day.isoformat()}"
        + (" (bank statement)" if source == Payment.Source.STATEMENT else ""),
    )
    if invoice.status == Invoice.Status.PAID and before != Invoice.Status.PAID:
        billing_event_emit("invoice.paid", invoice_payload(invoice))
    return payment


@transaction.atomic
def payment_record(
    *, by: User, invoice: Invoice, date: date, amount: Decimal, reference: str = ""
) -> Payment:
    """An admin records money received: the invoice becomes paid or partly paid."""
    require_admin(by)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    return payment_apply(
        by=by,
        invoice=locked,
        day=date,
        amount=amount,
        reference=reference,
        source=Payment.Source.MANUAL,
    )


@transaction.atomic
def payment_delete(*, by: User, payment: Payment) -> Invoice:
    """Undo a payment recorded by mistake: the invoice owes it again."""
    require_admin(by)
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.get(pk=payment.pk)
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(
            _("This invoice is cancelled: its payments can no longer change."), code="cancelled"
        )
    before = invoice.status
    payment.delete()
    invoice.amount_paid -= payment.amount
    invoice.status = _status_after(invoice)
    invoice.save(update_fields=["amount_paid", "status"])
    audit_record(
        AuditEvent.Kind.PAYMENT_RECORDED,
        actor=by,
        target=invoice,
        changes={
            "status": [before, invoice.status],
            "amount_paid": [str(invoice.amount_paid + payment.amount), str(invoice.amount_paid)],
        },
        detail=f"{invoice.number}: payment of {payment.amount} {invoice.currency} "
        f"on {payment.date.isoformat()} deleted",
    )
    return invoice


@dataclass
class StatementResult:
    """What an import did, line by line (line numbers are the file's)."""

    recorded: list[tuple[StatementLine, Invoice]] = field(default_factory=list)
    duplicates: list[tuple[StatementLine, Invoice]] = field(default_factory=list)
    # (line, why): no invoice with that reference, or one that expects no such payment.
    unmatched: list[tuple[StatementLine, str]] = field(default_factory=list)
    # Money going out, or nothing: not payments of invoices.
    ignored: int = 0


@transaction.atomic
def statement_import(*, by: User, csv_text: str) -> StatementResult:
    """Record the payments of a bank statement: each incoming line whose communication
    carries an invoice's payment reference. A line already recorded (same invoice,
    date, amount and communication) is skipped, so a statement imported twice, or two
    overlapping ones, count each payment once. A malformed file records nothing."""
    require_admin(by)
    lines = statement_parse(csv_text)
    result = StatementResult()
    incoming = []
    for line in lines:
        if line.amount <= 0:
            result.ignored += 1
        else:
            incoming.append(line)
    wanted = set().union(*(line.references() for line in incoming)) if incoming else set()
    invoices = {
        invoice.payment_reference: invoice
        for invoice in Invoice.objects.select_related("organization")
        .select_for_update(of=("self",))
        .filter(kind=Invoice.Kind.INVOICE, payment_reference__in=wanted)
        .order_by("pk")
    }
    known = set(
        Payment.objects.filter(invoice__in=list(invoices.values())).values_list(
            "invoice_id", "date", "amount", "reference"
        )
    )
    for line in incoming:
        invoice = next(
            (invoices[ref] for ref in sorted(line.references()) if ref in invoices), None
        )
        if invoice is None:
            result.unmatched.append((line, _("No invoice has this payment reference.")))
            continue
        if (invoice.pk, line.date, line.amount, line.communication) in known:
            result.duplicates.append((line, invoice))
            continue
        try:
            payment_apply(
                by=by,
                invoice=invoice,
                day=line.date,
                amount=line.amount,
                reference=line.communication,
                source=Payment.Source.STATEMENT,
            )
        except ValidationError as refusal:
            result.unmatched.append((line, " ".join(refusal.messages)))
            continue
        known.add((invoice.pk, line.date, line.amount, line.communication))
        result.recorded.append((line, invoice))
    return result
