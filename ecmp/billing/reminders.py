"""Reminders of unpaid invoices (issue 19 §5), sent by a daily periodic job.

An invoice sent to the client and not fully paid gets a reminder every
ECMP_INVOICE_REMINDER_DAYS days after its due date, ECMP_INVOICE_REMINDERS_MAX at
most. Only invoices that were sent: one the admin kept back (handed over another
way) is not announced to the client by a reminder.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import InvoiceDispatch
from ecmp.billing.sending import invoice_dispatch, invoice_recipients


def reminder_due(invoice: Invoice, today: date, *, days: int, most: int) -> bool:
    """Whether this invoice's next reminder is due today. The last reminder's date
    counts too, so that a second run the same day (or a job that was off for weeks
    and catches up) sends one reminder, not a burst."""
    if (
        invoice.kind != Invoice.Kind.INVOICE
        or invoice.status not in Invoice.UNPAID
        or invoice.sent_at is None
        or invoice.due_date is None
        or invoice.reminder_count >= most
    ):
        return False
    if invoice.due_date + timedelta(days=days * (invoice.reminder_count + 1)) > today:
        return False
    last = invoice.last_reminder_at
    return last is None or timezone.localdate(last) + timedelta(days=days) <= today


def invoice_reminders_send(today: date | None = None) -> int:
    """Send each reminder that is due, each invoice in its own transaction (one
    failing leaves the others sent); returns how many were sent."""
    days, most = settings.ECMP_INVOICE_REMINDER_DAYS, settings.ECMP_INVOICE_REMINDERS_MAX
    if days <= 0 or most <= 0:
        return 0
    today = today or timezone.localdate()
    candidates = Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE,
        status__in=Invoice.UNPAID,
        sent_at__isnull=False,
        due_date__lte=today - timedelta(days=days),
        reminder_count__lt=most,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(candidates):
        with transaction.atomic():
            # Read again under the lock: a payment or another run may have come first.
            invoice = Invoice.objects.select_for_update().get(pk=pk)
            to = invoice_recipients(invoice)
            if not to or not reminder_due(invoice, today, days=days, most=most):
                continue
            invoice_dispatch(invoice, to, reminder=True)
            now = timezone.now()
            InvoiceDispatch.objects.create(
                invoice=invoice, kind=InvoiceDispatch.Kind.REMINDER, to=to, at=now
            )
            invoice.reminder_count += 1
            invoice.last_reminder_at = now
            invoice.save(update_fields=["reminder_count", "last_reminder_at"])
            sent += 1
    return sent


@task()
def invoice_reminders() -> int:
    return invoice_reminders_send()
