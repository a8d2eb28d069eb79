"""Payments of invoices (issue 19 §5): recorded by an admin, or from a bank statement
matched by payment reference; the states they lead to; the portal's view of a team
manager's invoices, and who sees what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import AuditEvent
from ecmp.billing import services
from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import Payment
from ecmp.billing.payments import payment_delete, payment_record, statement_import
from ecmp.billing.sending import invoice_send
from ecmp.billing.statements import MAX_LINES, parse_amount, statement_parse
from tests.factories import UserFactory
from tests.invoice_sending_data import issued_invoice
from tests.invoices_data import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(adam, agnes, alice):
    invoice = issued_invoice(adam, agnes, alice)
    invoice_send(by=adam, invoice=invoice)
    invoice.refresh_from_db()
    return invoice


def state(invoice):
    invoice.refresh_from_db()
    return invoice.status, invoice.amount_paid


# --- By hand -------------------------------------------------------------------------


def test_a_part_then_the_rest_make_the_invoice_partly_paid_then_paid(adam, invoice):
    assert invoice.total_gross == Decimal("96.80")
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("40.00"), reference="A")
    assert state(invoice) == ("partly_paid", Decimal("40.00"))
    assert invoice.amount_due == Decimal("56.80")
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("56.80"))
    assert state(invoice) == ("paid", Decimal("96.80"))
    assert list(Payment.objects.values_list("amount", "reference", "source")) == [
        (Decimal("40.00"), "A", "manual"),
        (Decimal("56.80"), "", "manual"),
    ]
    changes = list(
        AuditEvent.objects.filter(kind=AuditEvent.Kind.PAYMENT_RECORDED)
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert [c["status"] for c in changes] == [["sent", "partly_paid"], ["partly_paid", "paid"]]


def test_an_issued_invoice_not_sent_can_be_paid(adam, agnes, alice):
    invoice = issued_invoice(adam, agnes, alice)
    payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross)
    assert state(invoice) == ("paid", invoice.total_gross)


# The day as an offset from today: parameters are built at import, the date is read
# when the test runs.
@pytest.mark.parametrize(
    ("amount", "days_ahead", "message"),
    [
        (Decimal("96.81"), 0, "more than the amount due"),
        (Decimal("0"), 0, "more than zero"),
        (Decimal("-5"), 0, "more than zero"),
        (Decimal("1.005"), 0, "in cents"),
        (Decimal("10"), 1, "cannot be in the future"),
    ],
)
def test_bad_payments_are_refused_and_nothing_changes(adam, invoice, amount, days_ahead, message):
    day = today() + timedelta(days=days_ahead)
    with pytest.raises(ValidationError, match=message):
        payment_record(by=adam, invoice=invoice, date=day, amount=amount)
    assert state(invoice) == ("sent", Decimal("0.00"))
    assert not Payment.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PAYMENT_RECORDED).exists()


def test_over_payment_after_a_part_names_what_is_left(adam, invoice):
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("90"))
    with pytest.raises(ValidationError, match=r"\(6.80 EUR\)"):
        payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("7"))
    assert state(invoice) == ("partly_paid", Decimal("90.00"))


def test_paid_cancelled_and_credit_notes_take_no_payment(adam, agnes, alice, invoice):
    payment_record(by=adam, invoice=invoice, date=today(), amount=invoice.total_gross)
    with pytest.raises(ValidationError, match="is paid: no payment is expected"):
        payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("1"))
    other = issued_invoice(adam, agnes, alice)
    credit = services.invoice_cancel(by=adam, invoice=other)
    with pytest.raises(ValidationError, match="no payment is expected"):
        payment_record(by=adam, invoice=other, date=today(), amount=Decimal("1"))
    with pytest.raises(ValidationError, match="A credit note is not paid"):
        payment_record(by=adam, invoice=credit, date=today(), amount=Decimal("1"))
    assert Payment.objects.count() == 1


def test_only_admins_record_or_delete_payments(adam, agnes, alice, invoice):
    for person in (agnes, alice):
        with pytest.raises(PermissionDenied):
            payment_record(by=person, invoice=invoice, date=today(), amount=Decimal("1"))
    payment = payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("1"))
    with pytest.raises(PermissionDenied):
        payment_delete(by=agnes, payment=payment)
    with pytest.raises(PermissionDenied):
        statement_import(by=agnes, csv_text=f"{today()},1,{invoice.payment_reference}")
    assert state(invoice) == ("partly_paid", Decimal("1.00"))


def test_a_payment_recorded_by_mistake_is_deleted_and_owed_again(adam, invoice):
    first = payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("40"))
    second = payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("56.80"))
    payment_delete(by=adam, payment=second)
    assert state(invoice) == ("partly_paid", Decimal("40.00"))
    payment_delete(by=adam, payment=first)
    assert state(invoice) == ("sent", Decimal("0.00"))
    assert not Payment.objects.exists()


def test_a_sent_invoice_can_be_cancelled_a_partly_paid_one_cannot(adam, agnes, alice, invoice):
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("1"))
    with pytest.raises(ValidationError, match="with no payment recorded"):
        services.invoice_cancel(by=adam, invoice=invoice)
    assert state(invoice)[0] == "partly_paid"
    other = issued_invoice(adam, agnes, alice)
    invoice_send(by=adam, invoice=other)
    services.invoice_cancel(by=adam, invoice=other)
    assert state(other)[0] == "cancelled"
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.INVOICE_CANCELLED).get()
    assert event.changes == {"status": ["sent", "cancelled"]}


def test_the_payment_form_records_and_refuses_with_a_message(client_for, adam, invoice):
    client = client_for(adam)
    url = reverse("desk:invoice-payment-add", args=[invoice.pk])
    page = client.post(url, {"date": today().isoformat(), "amount": "abc"}, follow=True)
    assert "Amount: Enter a number." in page.content.decode()
    page = client.post(url, {"date": today().isoformat(), "amount": "200"}, follow=True)
    assert "more than the amount due" in page.content.decode()
    assert state(invoice) == ("sent", Decimal("0.00"))
    page = client.post(
        url, {"date": today().isoformat(), "amount": "96.80", "reference": "Bank 12"}, follow=True
    )
    text = page.content.decode()
    assert "The payment is recorded." in text and "Bank 12" in text
    assert state(invoice) == ("paid", Decimal("96.80"))
    assert "Record a payment" not in text


def test_agents_and_customers_reach_no_payment_page(client_for, agnes, alice, invoice):
    payment = payment_record(by=invoice.issued_by, invoice=invoice, date=today(), amount=Decimal(1))
    for person in (agnes, alice):
        client = client_for(person)
        data = {"date": today().isoformat(), "amount": "5"}
        assert (
            client.post(reverse("desk:invoice-payment-add", args=[invoice.pk]), data).status_code
            == 403
        )
        assert client.post(reverse("desk:payment-delete", args=[payment.pk])).status_code == 403
        assert client.get(reverse("desk:statement-import")).status_code == 403
    assert state(invoice) == ("partly_paid", Decimal("1.00"))


# --- Bank statements -----------------------------------------------------------------


@pytest.fixture
def two_invoices(adam, agnes, alice, invoice):
    """The OGM invoice above and a second one with an RF reference."""
    rf = issued_invoice(adam, agnes, alice, minutes=120, payment_reference_kind="rf")
    assert rf.payment_reference.startswith("RF")
    return invoice, rf


def test_a_statement_records_payments_matched_by_either_reference_style(adam, two_invoices):
    ogm, rf = two_invoices
    spaced_rf = rf.payment_reference_display  # RF.. .... with spaces
    text = (
        "Date;Amount;Communication\n"
        f"{today():%d/%m/%Y};96,80;{ogm.payment_reference_display}\n"
        f"{today():%d/%m/%Y};-12,00;Office rent\n"
        f"{today():%d/%m/%Y};100,00;Payment {spaced_rf} thanks\n"
        f"{today():%d/%m/%Y};1.000,00;+++999/9999/99999+++\n"
    )
    result = statement_import(by=adam, csv_text=text)
    assert [(line.number, inv.number) for line, inv in result.recorded] == [
        (2, ogm.number),
        (4, rf.number),
    ]
    assert [(line.number, why) for line, why in result.unmatched] == [
        (5, "No invoice has this payment reference.")
    ]
    assert result.ignored == 1 and result.duplicates == []
    assert state(ogm) == ("paid", Decimal("96.80"))
    assert state(rf) == ("partly_paid", Decimal("100.00"))
    assert set(Payment.objects.values_list("source", flat=True)) == {"statement"}


def test_compact_references_and_comma_separated_files_match_too(adam, two_invoices):
    ogm, rf = two_invoices
    text = (
        f'{today().isoformat()},"96,80",{ogm.payment_reference}\n'
        f"{today().isoformat()},193.60,{rf.payment_reference}\n"
    )
    result = statement_import(by=adam, csv_text=text)
    assert len(result.recorded) == 2
    assert state(ogm)[0] == state(rf)[0] == "paid"


def test_a_statement_imported_twice_records_each_payment_once(adam, two_invoices):
    ogm, rf = two_invoices
    text = (
        f"{today().isoformat()};50,00;{ogm.payment_reference}\n"
        f"{today().isoformat()};50,00;{rf.payment_reference}\n"
    )
    statement_import(by=adam, csv_text=text)
    again = statement_import(by=adam, csv_text=text)
    assert again.recorded == [] and len(again.duplicates) == 2
    assert Payment.objects.count() == 2
    assert state(ogm) == ("partly_paid", Decimal("50.00"))


def test_a_line_more_than_due_is_listed_not_recorded(adam, invoice):
    text = f"{today().isoformat()};500,00;{invoice.payment_reference}\n"
    result = statement_import(by=adam, csv_text=text)
    ((_line, why),) = result.unmatched
    assert "more than the amount due" in why
    assert state(invoice) == ("sent", Decimal("0.00"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("Date;Amount;Communication\n", "no lines after its header"),
        ("2026-01-01;12,00;A\n2026-13-01;12,00;B\n", "Line 3: the date is not a date"),
        ("2026-01-01;12,00;A\n2026-01-02;douze;B\n", "Line 3: the amount is not a number"),
        ("2026-01-01;12,00;A\n2026-01-02;5\n", "Line 3: it has too few columns."),
        ("x" * (1024 * 1024 + 1), "too large"),
        ("2026-01-01;1;A\n" * (MAX_LINES + 1), "too many lines"),
    ],
)
def test_a_malformed_statement_records_nothing(adam, invoice, text, message):
    good = f"{today().isoformat()};10,00;{invoice.payment_reference}\n"
    with pytest.raises(ValidationError, match=message):
        statement_import(by=adam, csv_text=good + text if text.startswith("2026") else text)
    assert not Payment.objects.exists()
    assert state(invoice) == ("sent", Decimal("0.00"))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1 234,5", "1234.5"),
        ("€ 12.00", "12.00"),
        ("-7,10", "-7.10"),
        ("12", "12"),
        ("1,2,3", None),
        ("12.345", None),
        ("", None),
    ],
)
def test_amounts_are_read_with_a_decimal_comma_or_point(text, amount):
    assert parse_amount(text) == (None if amount is None else Decimal(amount))


def test_a_header_names_columns_in_any_order():
    (line,) = statement_parse(
        "Account;Communication;Montant;Date valeur\nBE01;+++202/6000/01206+++;12,50;31.03.2026\n"
    )
    assert (str(line.date), line.amount) == ("2026-03-31", Decimal("12.50"))
    assert "202600001206" in line.references()


def test_the_import_page_shows_what_was_recorded_and_what_was_not(client_for, adam, invoice):
    text = (
        f"date;amount;communication\n{today().isoformat()};96,80;{invoice.payment_reference}\n"
        f"{today().isoformat()};3,00;Unknown\n"
    )
    upload = SimpleUploadedFile("statement.csv", text.encode("utf-8-sig"), "text/csv")
    client = client_for(adam)
    assert "Import a bank statement" in client.get(reverse("desk:billing")).content.decode()
    response = client.post(reverse("desk:statement-import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Payments recorded: 1 · already recorded: 0 · not matched: 1" in page
    assert invoice.number in page and "Unknown" in page
    assert state(invoice)[0] == "paid"


def test_the_import_page_refuses_a_bad_file_with_its_line(client_for, adam, invoice):
    upload = SimpleUploadedFile("s.csv", b"2026-01-01;12,00;A\nnot;a;line\n", "text/csv")
    response = client_for(adam).post(reverse("desk:statement-import"), {"file": upload})
    assert response.status_code == 400
    assert "Line 2: the date is not a date" in response.content.decode()
    upload = SimpleUploadedFile("s.csv", b"\x00\x01binary", "application/octet-stream")
    response = client_for(adam).post(reverse("desk:statement-import"), {"file": upload})
    assert response.status_code == 400 and "This is not a text file." in response.content.decode()
    assert not Payment.objects.exists()


# --- Lists and the portal ------------------------------------------------------------


def test_the_desk_list_filters_unpaid_and_overdue_in_constant_queries(
    client_for, adam, agnes, alice, invoice
):
    client = client_for(adam)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=today() - timedelta(days=3))
    url = reverse("desk:billing")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url, {"state": "overdue"}).content.decode()
    assert invoice.number in page and "Overdue" in page
    paid = issued_invoice(adam, agnes, alice)
    payment_record(by=adam, invoice=paid, date=today(), amount=paid.total_gross)
    for _ in range(3):
        issued_invoice(adam, agnes, alice)
    with CaptureQueriesContext(connection) as many:
        unpaid = client.get(url, {"state": "unpaid"}).content.decode()
    assert len(many) == len(one)
    assert paid.number not in unpaid and invoice.number in unpaid
    assert unpaid.count("/desk/billing/invoices/") == 4
    overdue = client.get(url, {"state": "overdue"}).content.decode()
    assert overdue.count("/desk/billing/invoices/") == 1
    assert paid.number in client.get(url).content.decode()


def test_a_manager_sees_the_state_and_pays_with_the_qr_code(client_for, adam, alice, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(due_date=today() - timedelta(days=1))
    client = client_for(alice)
    listing = client.get(reverse("portal:invoices")).content.decode()
    assert "Overdue" in listing and "96.80 EUR" in listing
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("6.80"))
    page = client.get(reverse("portal:invoice", args=[invoice.pk])).content.decode()
    assert invoice.payment_reference_display in page
    assert "BE71096123456769" in page
    assert "90.00 EUR" in page  # what is left to pay
    assert 'alt="EPC QR code for a SEPA transfer"' in page
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("90"))
    page = client.get(reverse("portal:invoice", args=[invoice.pk])).content.decode()
    assert "Paid" in page and "EPC QR code" not in page
    assert "Paid" in client.get(reverse("portal:invoices")).content.decode()


def test_the_qr_code_asks_for_what_is_left(client_for, adam, alice, invoice, monkeypatch):
    asked = []
    monkeypatch.setattr(
        "ecmp.portal.invoice_views.epc_qr_data_uri", lambda f: asked.append(f) or "data:,"
    )
    payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("6.80"))
    client_for(alice).get(reverse("portal:invoice", args=[invoice.pk]))
    assert asked[0]["amount"] == Decimal("90.00")
    assert asked[0]["reference"] == invoice.payment_reference


def test_only_the_organizations_team_managers_see_its_invoices(
    client_for, acme, globex, alice, bob, carol, agnes, invoice
):
    url = reverse("portal:invoice", args=[invoice.pk])
    assert client_for(alice).get(url).status_code == 200
    assert client_for(bob).get(url).status_code == 403  # not a manager
    carol.is_team_manager = True
    carol.save()
    assert client_for(carol).get(url).status_code == 404  # another company's
    assert invoice.number not in client_for(carol).get(reverse("portal:invoices")).content.decode()
    other_manager = UserFactory(organization=acme, is_team_manager=True, is_active=True)
    assert client_for(other_manager).get(url).status_code == 200
    assert client_for(agnes).get(url).status_code == 403


def test_the_portal_list_shows_each_invoices_state_in_constant_queries(
    client_for, adam, agnes, alice, invoice
):
    client = client_for(alice)
    url = reverse("portal:invoices")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    paid = issued_invoice(adam, agnes, alice)
    payment_record(by=adam, invoice=paid, date=today(), amount=Decimal("10"))
    for _ in range(2):
        issued_invoice(adam, agnes, alice)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert len(many) == len(one)
    assert page.count('class="badge') >= 4 and "Partly paid" in page and "Sent" in page


def test_the_desk_invoice_page_says_overdue_and_a_credit_note_shows_no_qr(
    client_for, adam, alice, invoice
):
    Invoice.objects.filter(pk=invoice.pk).update(due_date=today() - timedelta(days=1))
    page = client_for(adam).get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    assert '<span class="badge text-bg-danger">Overdue</span>' in page
    assert "Record a payment" in page and 'value="96.80"' in page
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    page = client_for(alice).get(reverse("portal:invoice", args=[credit.pk])).content.decode()
    assert "Credit note" in page and "EPC QR code" not in page and "How to pay" not in page
