"""Reminders of unpaid invoices by the daily job (issue 19 §5): every
ECMP_INVOICE_REMINDER_DAYS after the due date, ECMP_INVOICE_REMINDERS_MAX at most,
once a day however often the job runs, never for a paid or unsent invoice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from ecmp.billing import services
from ecmp.billing.einvoice.files import invoice_files
from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import InvoiceDispatch
from ecmp.billing.payments import payment_record
from ecmp.billing.reminders import invoice_reminders, invoice_reminders_send
from ecmp.billing.sending import invoice_send
from ecmp.core.periodic import schedule
from tests.invoice_sending_data import issued_invoice, sent_to
from tests.invoices_data import today


def due() -> date:
    """Yesterday, read when the test runs (see tests.invoices_data.today)."""
    return today() - timedelta(days=1)


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.ECMP_INVOICE_REMINDER_DAYS = 7
    settings.ECMP_INVOICE_REMINDERS_MAX = 2


@pytest.fixture
def invoice(adam, agnes, alice):
    """Sent, unpaid, due yesterday."""
    invoice = issued_invoice(adam, agnes, alice)
    invoice_send(by=adam, invoice=invoice)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due())
    mail.outbox.clear()
    return invoice


def reminders(invoice):
    invoice.refresh_from_db()
    return invoice.reminder_count, InvoiceDispatch.objects.filter(
        invoice=invoice, kind="reminder"
    ).count()


def test_a_reminder_comes_days_after_the_due_date_then_every_days_up_to_the_most(
    run_on_commit, invoice
):
    assert run_on_commit(lambda: invoice_reminders_send(due() + timedelta(days=6))) == 0
    assert reminders(invoice) == (0, 0)

    assert run_on_commit(lambda: invoice_reminders_send(due() + timedelta(days=7))) == 1
    assert reminders(invoice) == (1, 1)
    assert invoice.last_reminder_at is not None
    (message,) = sent_to("billing@acme.test")
    assert message.subject == f"Reminder: invoice {invoice.number} is unpaid"
    assert "is not fully paid yet" in message.body
    assert invoice.payment_reference_display in message.body
    assert [name for name, _c, _k in message.attachments] == [
        name for name, _c, _k in invoice_files(invoice, "en")
    ]

    # The job runs again the same day, or the next days: nothing until 7 more days.
    for days in (7, 8, 13):
        assert invoice_reminders_send(due() + timedelta(days=days)) == 0
    assert reminders(invoice) == (1, 1)
    assert invoice_reminders_send(due() + timedelta(days=14)) == 1
    # ECMP_INVOICE_REMINDERS_MAX reached: never again.
    assert invoice_reminders_send(due() + timedelta(days=60)) == 0
    assert reminders(invoice) == (2, 2)
    dispatch = InvoiceDispatch.objects.filter(kind="reminder").first()
    assert dispatch.by is None and dispatch.to == ["billing@acme.test", "alice@acme.test"]


def test_a_job_off_for_weeks_sends_one_reminder_not_a_burst(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(due_date=today() - timedelta(days=40))
    assert invoice_reminders_send() == 1
    assert invoice_reminders_send() == 0
    assert reminders(invoice) == (1, 1)


def test_paid_unsent_cancelled_and_credit_notes_get_no_reminder(adam, agnes, alice, invoice):
    payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross)
    issued_invoice(adam, agnes, alice)  # never sent: the client never heard of it
    cancelled = issued_invoice(adam, agnes, alice)
    invoice_send(by=adam, invoice=cancelled)
    credit = services.invoice_cancel(by=adam, invoice=cancelled)
    invoice_send(by=adam, invoice=credit)
    Invoice.objects.update(due_date=due())
    mail.outbox.clear()
    assert invoice_reminders_send(due() + timedelta(days=30)) == 0
    assert not InvoiceDispatch.objects.filter(kind="reminder").exists()
    assert mail.outbox == []


def test_a_partly_paid_invoice_is_reminded_of_what_is_left(run_on_commit, adam, invoice):
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("90.00"))
    assert run_on_commit(lambda: invoice_reminders_send(due() + timedelta(days=7))) == 1
    (message,) = sent_to("alice@acme.test")
    assert "6.80 EUR" in message.body


def test_no_reminders_when_the_most_is_zero(settings, invoice):
    settings.ECMP_INVOICE_REMINDERS_MAX = 0
    assert invoice_reminders_send(due() + timedelta(days=30)) == 0
    assert reminders(invoice) == (0, 0)


def test_the_job_is_registered_daily_and_runs_as_a_task(run_on_commit, invoice, monkeypatch):
    job, period = schedule()["invoice-reminders"]
    assert job is invoice_reminders and period == 86400
    # Read before patching: the patch replaces django.utils.timezone.localdate itself,
    # which due() calls.
    reminder_day = due() + timedelta(days=7)
    monkeypatch.setattr("ecmp.billing.reminders.timezone.localdate", lambda *a: reminder_day)
    result = run_on_commit(lambda: invoice_reminders.enqueue())
    assert result.return_value == 1
    assert len(mail.outbox) == 2
