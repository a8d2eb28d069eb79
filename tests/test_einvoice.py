"""E-invoices (issue 19 §4): the EN 16931 CII of Factur-X and the Peppol BIS Billing
3.0 UBL of every issued invoice and credit note, checked against their schemas and
the Peppol rules, with the amounts read back to the cent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import facturx
import pytest
from lxml import etree
from peppol import check_rules, validate_xsd

from ecmp.billing.einvoice.cii import invoice_cii
from ecmp.billing.einvoice.ubl import invoice_ubl
from ecmp.billing.models import Invoice
from tests.factories import make_ticket
from tests.invoices_data import (
    add_charge,
    issue,
    log_time,
    make_contract,
    make_issuer,
    set_rate,
)

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS = {"ram": RAM, "rsm": RSM, "cbc": CBC, "cac": CAC}


@dataclass
class Amounts:
    """What a client's software reads from an e-invoice."""

    lines: list[Decimal]
    line_total: Decimal
    tax_exclusive: Decimal
    tax: Decimal
    payable: Decimal
    per_rate: list[tuple[str, Decimal, Decimal, Decimal]]


def _decimals(root, path) -> list[Decimal]:
    return [Decimal(node.text) for node in root.xpath(path, namespaces=NS)]


def _one(root, path) -> Decimal:
    (value,) = _decimals(root, path)
    return value


def cii_amounts(xml: bytes) -> Amounts:
    root = etree.fromstring(xml)
    sums = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    return Amounts(
        lines=_decimals(
            root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
        ),
        line_total=_one(root, sums + "LineTotalAmount"),
        tax_exclusive=_one(root, sums + "TaxBasisTotalAmount"),
        tax=_one(root, sums + "TaxTotalAmount"),
        payable=_one(root, sums + "DuePayableAmount"),
        per_rate=[
            (
                tax.findtext("ram:CategoryCode", namespaces=NS),
                Decimal(tax.findtext("ram:RateApplicablePercent", namespaces=NS)),
                Decimal(tax.findtext("ram:BasisAmount", namespaces=NS)),
                Decimal(tax.findtext("ram:CalculatedAmount", namespaces=NS)),
            )
            for tax in root.xpath(
                "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS
            )
        ],
    )


def ubl_amounts(xml: bytes) -> Amounts:
    root = etree.fromstring(xml)
    totals = "/*/cac:LegalMonetaryTotal/cbc:"
    return Amounts(
        lines=_decimals(
            root,
            "/*/cac:InvoiceLine/cbc:LineExtensionAmount | /*/cac:CreditNoteLine/cbc:LineExtensionAmount",
        ),
        line_total=_one(root, totals + "LineExtensionAmount"),
        tax_exclusive=_one(root, totals + "TaxExclusiveAmount"),
        tax=_one(root, "/*/cac:TaxTotal/cbc:TaxAmount"),
        payable=_one(root, totals + "PayableAmount"),
        per_rate=[
            (
                sub.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
                Decimal(sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)),
                Decimal(sub.findtext("cbc:TaxableAmount", namespaces=NS)),
                Decimal(sub.findtext("cbc:TaxAmount", namespaces=NS)),
            )
            for sub in root.xpath("/*/cac:TaxTotal/cac:TaxSubtotal", namespaces=NS)
        ],
    )


def expected(invoice: Invoice) -> dict:
    """The invoice's own amounts as an e-invoice states them: positive on a credit note."""
    sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
    return {
        "line_total": sign * invoice.total_net,
        "tax_exclusive": sign * invoice.total_net,
        "tax": sign * invoice.total_vat,
        "payable": sign * invoice.total_gross,
        "per_rate": [
            (t.category, t.rate, sign * t.net, sign * t.vat) for t in invoice.vat_totals.all()
        ],
    }


def assert_amounts(amounts: Amounts, invoice: Invoice) -> None:
    want = expected(invoice)
    assert sum(amounts.lines, Decimal(0)) == want["line_total"]
    assert amounts.line_total == want["line_total"]
    assert amounts.tax_exclusive == want["tax_exclusive"]
    assert amounts.tax == want["tax"]
    assert amounts.payable == want["payable"]
    assert amounts.per_rate == want["per_rate"]


def assert_valid_cii(xml: bytes) -> None:
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")


def assert_valid_ubl(xml: bytes, *, allowed_warnings: frozenset[str] = frozenset()) -> None:
    ok, errors = validate_xsd(xml)
    assert ok, errors
    findings = [f for f in check_rules(xml) if f.rule_id not in allowed_warnings]
    assert findings == [], [str(f) for f in findings]


@pytest.fixture
def several_rates(acme, alice, bob, agnes, adam):
    """Time at 21 % (an hour, and 20 minutes billed by the minute), a 6 % charge, a 0 %
    charge."""
    set_rate(acme, "80.00", rounding=1)
    make_issuer(adam)
    make_contract(acme, payment_terms_days=30)
    first = make_ticket(alice, subject="Printer on fire")
    second = make_ticket(bob, subject="VPN down")
    log_time(first, agnes, 60, text="Repair")
    log_time(second, agnes, 20, text="Reset")  # 26.666… → 26.67
    add_charge(agnes, acme, "Manual", "2", "12.50", "6")
    add_charge(agnes, acme, "Postage", "1", "4.20", "0")
    return issue(adam, acme), first, second


def test_an_invoice_with_three_vat_rates_is_valid_cii_and_ubl_with_its_amounts(several_rates):
    invoice = several_rates[0]
    assert [(t.category, t.rate) for t in invoice.vat_totals.all()] == [
        ("S", Decimal("21.00")),
        ("S", Decimal("6.00")),
        ("Z", Decimal("0.00")),
    ]
    cii = invoice_cii(invoice, "en")
    ubl = invoice_ubl(invoice, "en")
    print(cii.decode())
    print(ubl.decode())
    assert_valid_cii(cii)
    assert_valid_ubl(ubl)
    assert_amounts(cii_amounts(cii), invoice)
    assert_amounts(ubl_amounts(ubl), invoice)
