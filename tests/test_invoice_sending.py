"""Sending an invoice to the client's billing contacts (issue 19 §5): the files by
email through the outbox, the state, the record of when and to whom, the refusals."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import AuditEvent
from ecmp.billing import services
from ecmp.billing.einvoice.files import invoice_files
from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import InvoiceDispatch
from ecmp.billing.payments import payment_record
from ecmp.billing.sending import invoice_recipients, invoice_send
from ecmp.mail.models import OutboundAttachment, OutboundEmail
from tests.invoice_sending_data import issued_invoice, sent_to
from tests.invoices_data import today


@pytest.fixture
def invoice(adam, agnes, alice):
    return issued_invoice(adam, agnes, alice)


def test_sending_emails_each_billing_contact_the_invoices_files(
    run_on_commit, adam, alice, invoice
):
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    assert invoice.sent_at is not None
    expected = invoice_files(invoice, "en")
    for address in ("billing@acme.test", "alice@acme.test"):
        (message,) = sent_to(address)
        assert message.subject == f"Invoice {invoice.number} from Support Services SRL"
        assert [(name, kind) for name, _content, kind in message.attachments] == [
            (name, kind) for name, _content, kind in expected
        ]
        # A PDF carries its creation time: same kind of file, not the same bytes.
        for (_name, content, _kind), (_n, wanted, _k) in zip(
            message.attachments, expected, strict=True
        ):
            assert content[:5] == wanted[:5] and len(content) > 100
        body = message.body
        assert "96.80 EUR" in body  # the amount due
        assert invoice.payment_reference_display in body
        assert "BE71096123456769" in body
        assert "Factur-X PDF" in body and "UBL" in body
    # Written to the outbox with their files before the worker sent them.
    assert OutboundEmail.objects.filter(kind="invoice_sent", status="sent").count() == 2
    delivered = {
        (m.to[0], name): content for m in mail.outbox for name, content, _kind in m.attachments
    }
    stored = {
        (row.email.to[0], row.filename): bytes(row.content)
        for row in OutboundAttachment.objects.select_related("email")
    }
    assert stored == delivered and len(stored) == 2 * len(expected)
    (dispatch,) = InvoiceDispatch.objects.filter(invoice=invoice)
    assert (dispatch.kind, dispatch.to, dispatch.by) == (
        "sent",
        ["billing@acme.test", "alice@acme.test"],
        adam,
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.INVOICE_SENT)
    assert event.changes == {"status": ["issued", "sent"]}


def test_the_files_are_made_in_each_recipients_language(
    run_on_commit, adam, alice, invoice, monkeypatch
):
    alice.language = "fr"
    alice.save()
    asked = []

    def files(invoice, language):
        asked.append(language)
        return [(f"{invoice.number}-{language}.pdf", b"%PDF-1.7", "application/pdf")]

    monkeypatch.setattr("ecmp.billing.sending.invoice_files", files)
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))
    assert sorted(asked) == ["en", "fr"]
    assert sent_to("alice@acme.test")[0].attachments[0][0] == f"{invoice.number}-fr.pdf"
    assert sent_to("billing@acme.test")[0].attachments[0][0] == f"{invoice.number}-en.pdf"


def test_sending_again_is_a_resend_recorded_beside_the_first(run_on_commit, adam, invoice):
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))
    assert InvoiceDispatch.objects.filter(invoice=invoice, kind="sent").count() == 2
    assert len(mail.outbox) == 4
    details = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.INVOICE_SENT)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert "sent to" in details[0] and "sent again" in details[1]


def test_a_paid_invoice_sent_again_stays_paid(run_on_commit, adam, invoice):
    invoice_send(by=adam, invoice=invoice)
    payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross)
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_recipients_are_read_with_commas_semicolons_or_spaces_once_each(invoice):
    invoice.client_emails = "a@x.test; b@x.test  A@x.test,c@x.test\n"
    assert invoice_recipients(invoice) == ["a@x.test", "b@x.test", "c@x.test"]


def _nothing_sent(invoice, status):
    invoice.refresh_from_db()
    assert invoice.status == status and invoice.sent_at is None
    assert not InvoiceDispatch.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.INVOICE_SENT).exists()


def test_an_invoice_without_billing_contact_is_refused(adam, agnes, alice):
    invoice = issued_invoice(adam, agnes, alice, contacts="")
    with pytest.raises(ValidationError, match="no billing contact"):
        invoice_send(by=adam, invoice=invoice)
    _nothing_sent(invoice, Invoice.Status.ISSUED)


def test_a_cancelled_invoice_is_refused_its_credit_note_is_sent(run_on_commit, adam, invoice):
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    with pytest.raises(ValidationError, match="send the credit note instead"):
        invoice_send(by=adam, invoice=invoice)
    _nothing_sent(invoice, Invoice.Status.CANCELLED)

    run_on_commit(lambda: invoice_send(by=adam, invoice=credit))
    credit.refresh_from_db()
    assert credit.status == Invoice.Status.SENT
    (message,) = sent_to("billing@acme.test")
    assert message.subject.startswith(f"Credit note {credit.number}")
    assert f"which cancels invoice {invoice.number}" in message.body
    assert "Amount due" not in message.body


def test_only_admins_send(agnes, alice, invoice):
    for person in (agnes, alice):
        with pytest.raises(PermissionDenied):
            invoice_send(by=person, invoice=invoice)
    _nothing_sent(invoice, Invoice.Status.ISSUED)


def test_the_send_button_posts_and_says_to_whom(client_for, run_on_commit, adam, invoice):
    url = reverse("desk:invoice-send", args=[invoice.pk])
    assert client_for(adam).get(url).status_code == 405
    client = client_for(adam)
    response = run_on_commit(lambda: client.post(url, follow=True))
    assert f"{invoice.number} is sent to billing@acme.test, alice@acme.test." in (
        response.content.decode()
    )
    page = client.get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    assert "Send again to the billing contacts" in page
    assert "to billing@acme.test, alice@acme.test" in page


def test_the_send_button_refuses_with_the_reason(client_for, adam, agnes, alice):
    invoice = issued_invoice(adam, agnes, alice, contacts="")
    response = client_for(adam).post(reverse("desk:invoice-send", args=[invoice.pk]), follow=True)
    assert "no billing contact" in response.content.decode()
    _nothing_sent(invoice, Invoice.Status.ISSUED)


def test_agents_and_customers_cannot_send(client_for, agnes, alice, invoice):
    url = reverse("desk:invoice-send", args=[invoice.pk])
    for person in (agnes, alice):
        assert client_for(person).post(url).status_code == 403
    _nothing_sent(invoice, Invoice.Status.ISSUED)


def test_the_invoice_page_reads_its_dispatches_and_payments_in_constant_queries(
    client_for, adam, invoice
):
    client = client_for(adam)
    url = reverse("desk:invoice", args=[invoice.pk])
    invoice_send(by=adam, invoice=invoice)
    payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross / 4)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        invoice_send(by=adam, invoice=invoice)
        payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross / 8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count('id="invoice-payments"') == 1
