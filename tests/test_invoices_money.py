"""Invoices to the cent: free lines, several VAT rates (EN 16931 rounding), reverse
charge, due dates from the contract, credit notes (issue 19 §3)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecmp.billing import services
from ecmp.billing.charges import charge_remove
from ecmp.billing.models import Charge, Invoice, InvoiceVatTotal
from ecmp.billing.selectors import invoice_draft
from tests.factories import make_ticket
from tests.invoices_data import (
    add_charge,
    issue,
    log_time,
    make_contract,
    make_issuer,
    month_start,
    set_rate,
    today,
)


@pytest.fixture
def billed(acme, alice, agnes, adam):
    """An hour of support at 80.00 (21 %) and four free lines at 21, 6 and 12 %."""
    set_rate(acme)
    log_time(make_ticket(alice, subject="Printer on fire"), agnes, 60)
    add_charge(agnes, acme, "Travel (km)", "37.5", "0.42", "21")  # 15.75
    add_charge(agnes, acme, "Cable", "2.5", "0.10", "6")  # 0.25
    add_charge(agnes, acme, "Adapter", "0.5", "0.50", "6")  # 0.25
    add_charge(adam, acme, "Fixed fee", "1.333", "10.00", "12")  # 13.33
    return acme


def rates(invoice):
    return [(t.category, t.rate, t.net, t.vat) for t in invoice.vat_totals.order_by("-rate")]


def test_three_vat_rates_each_rounded_once_on_its_sum(billed, adam):
    invoice = issue(adam, billed)
    assert rates(invoice) == [
        ("S", Decimal("21.00"), Decimal("95.75"), Decimal("20.11")),  # 20.1075
        ("S", Decimal("12.00"), Decimal("13.33"), Decimal("1.60")),  # 1.5996
        # 0.015 + 0.015 line by line would make 0.04: VAT is on the rate's sum.
        ("S", Decimal("6.00"), Decimal("0.50"), Decimal("0.03")),
    ]
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("109.58"),
        Decimal("21.74"),
        Decimal("131.32"),
    )
    assert sorted(invoice.items.values_list("amount", flat=True)) == [
        Decimal("0.25"),
        Decimal("0.25"),
        Decimal("13.33"),
        Decimal("15.75"),
    ]
    draft_after = invoice_draft(billed, month_start(), today())
    assert not draft_after.tickets and not draft_after.charges


def test_the_draft_shows_what_the_invoice_will_hold(billed, adam):
    draft = invoice_draft(billed, month_start(), today())
    assert [(r.rate, r.net, r.vat) for r in draft.vat_rows] == [
        (Decimal("21.00"), Decimal("95.75"), Decimal("20.11")),
        (Decimal("12.00"), Decimal("13.33"), Decimal("1.60")),
        (Decimal("6.00"), Decimal("0.50"), Decimal("0.03")),
    ]
    assert draft.gross == issue(adam, billed).total_gross


def test_reverse_charge_bills_no_vat_with_its_mention(billed, adam):
    make_contract(billed, reverse_charge=True, vat_number="NL004495445B01")
    invoice = issue(adam, billed)
    assert invoice.reverse_charge
    assert rates(invoice) == [("AE", Decimal("0.00"), Decimal("109.58"), Decimal("0.00"))]
    assert invoice.total_gross == invoice.total_net == Decimal("109.58")
    assert set(invoice.items.values_list("vat_rate", flat=True)) == {Decimal("0.00")}
    assert invoice.client_vat_number == "NL004495445B01"


def test_due_date_from_the_contracts_payment_terms_else_30_days(
    acme, globex, alice, carol, agnes, adam
):
    set_rate(acme)
    make_contract(acme, payment_terms_days=45)
    log_time(make_ticket(alice), agnes, 30)
    log_time(make_ticket(carol), agnes, 30)
    with_terms = issue(adam, acme)
    without = issue(adam, globex)
    assert with_terms.issue_date == today() and with_terms.due_date == today() + timedelta(days=45)
    assert without.due_date == today() + timedelta(days=30)
    # Without a contract: the organization's name alone.
    assert (without.client_name, without.client_address, without.client_vat_number) == (
        "Globex",
        "",
        "",
    )


def test_the_contract_in_force_at_the_periods_end_is_quoted(acme, alice, agnes, adam):
    set_rate(acme)
    old = make_contract(acme, starts_on=month_start() - timedelta(days=400), billing_address="Old")
    old.ends_on = month_start() - timedelta(days=1)
    old.save()
    current = make_contract(acme, starts_on=month_start(), billing_address="New street 2")
    make_contract(acme, starts_on=today() + timedelta(days=10), billing_address="Future")
    log_time(make_ticket(alice), agnes, 30)
    invoice = issue(adam, acme)
    assert invoice.contract == current and invoice.client_address == "New street 2"


def test_issued_details_stay_when_the_contract_and_issuer_change(acme, alice, agnes, adam):
    set_rate(acme)
    make_issuer(adam)
    contract = make_contract(acme, payment_terms_days=20)
    log_time(make_ticket(alice), agnes, 30)
    invoice = issue(adam, acme)
    logo = invoice.issuer_logo
    assert logo and invoice.issuer_vat_number == "BE0403170701"
    contract.billing_address, contract.payment_terms_days = "Moved away", 90
    contract.reverse_charge = True
    contract.save()
    make_issuer(adam, legal_name="Renamed SA", iban="FR1420041010050500013M02606")
    invoice.refresh_from_db()
    assert invoice.client_address == "Avenue Louise 1\n1050 Ixelles"
    assert invoice.due_date == today() + timedelta(days=20) and not invoice.reverse_charge
    assert (invoice.issuer_name, invoice.issuer_iban) == (
        "Support Services SRL",
        "BE71096123456769",
    )
    assert invoice.issuer_logo == logo  # the new logo is another file


def test_free_lines_are_removable_until_invoiced_then_locked(acme, alice, agnes, adam):
    set_rate(acme)
    kept = add_charge(agnes, acme, "Router", "1", "89.90", "21")
    dropped = add_charge(agnes, acme, "Typo", "1", "1.00", "21")
    charge_remove(by=agnes, charge=dropped)
    assert not Charge.objects.filter(pk=dropped.pk).exists()
    invoice = issue(adam, acme)  # charges alone make an invoice
    kept.refresh_from_db()
    assert kept.invoice == invoice and invoice.total_gross == Decimal("108.78")
    with pytest.raises(ValidationError):
        charge_remove(by=adam, charge=kept)
    assert Charge.objects.filter(pk=kept.pk, invoice=invoice).exists()


def test_bad_free_lines_are_refused(acme, agnes, alice):
    for quantity, price, rate in (("0", "1", "21"), ("1", "1", "-1"), ("1", "1", "101")):
        with pytest.raises(ValidationError):
            add_charge(agnes, acme, "Thing", quantity, price, rate)
    with pytest.raises(ValidationError):
        add_charge(agnes, acme, "   ", "1", "1", "21")
    with pytest.raises(PermissionDenied):
        add_charge(alice, acme, "Thing", "1", "1", "21")
    assert not Charge.objects.exists()


def test_a_credit_note_copies_lines_charges_and_rates_with_opposite_signs(billed, adam):
    invoice = issue(adam, billed)
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    assert credit.kind == Invoice.Kind.CREDIT_NOTE and credit.cancels == invoice
    assert [(c, r, -n, -v) for c, r, n, v in rates(credit)] == rates(invoice)
    assert (credit.total_net, credit.total_vat, credit.total_gross) == (
        Decimal("-109.58"),
        Decimal("-21.74"),
        Decimal("-131.32"),
    )
    assert sorted(credit.items.values_list("amount", flat=True)) == [
        Decimal("-15.75"),
        Decimal("-13.33"),
        Decimal("-0.25"),
        Decimal("-0.25"),
    ]
    assert credit.lines.get().amount == Decimal("-80.00")
    assert credit.payment_reference == "" and credit.due_date is None
    assert credit.client_name == invoice.client_name
    # The charges are free again: the next invoice lists them.
    assert not Charge.objects.filter(invoice__isnull=False).exists()
    again = issue(adam, billed)
    assert again.total_gross == Decimal("131.32")
    assert InvoiceVatTotal.objects.filter(invoice=again).count() == 3


def test_numbers_stay_gapless_and_references_unique(billed, adam, globex, carol, agnes):
    first = issue(adam, billed)
    log_time(make_ticket(carol), agnes, 30)
    second = issue(adam, globex)
    assert (first.number, second.number) == (f"{today().year}-0001", f"{today().year}-0002")
    assert first.payment_reference != second.payment_reference
    assert first.payment_reference.startswith(f"{today().year}00000")
