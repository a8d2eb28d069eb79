"""E-invoices (issue 19 §4): the EN 16931 CII of Factur-X and the Peppol BIS Billing
3.0 UBL of every issued invoice and credit note, checked against their schemas and
the Peppol rules, with the amounts read back to the cent."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import facturx
import pytest
from django.urls import reverse
from lxml import etree
from peppol import check_rules, validate_xsd
from pypdf import PdfReader

from ecmp.billing import services
from ecmp.billing.einvoice.cii import invoice_cii
from ecmp.billing.einvoice.content import (
    Address,
    address_parse,
    country_of,
    einvoice_content,
    endpoint_for,
    legal_registration,
)
from ecmp.billing.einvoice.facturx import invoice_facturx
from ecmp.billing.einvoice.files import invoice_files
from ecmp.billing.einvoice.ubl import invoice_ubl
from ecmp.billing.models import HourPack, Invoice, InvoiceLine
from tests.factories import make_ticket
from tests.invoices_data import (
    add_charge,
    issue,
    log_time,
    make_contract,
    make_issuer,
    set_rate,
    today,
)

RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
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
    assert_valid_cii(cii)
    assert_valid_ubl(ubl)
    assert_amounts(cii_amounts(cii), invoice)
    assert_amounts(ubl_amounts(ubl), invoice)


def test_time_is_in_hours_or_in_minutes_priced_per_hour_and_lines_name_their_ticket(
    several_rates,
):
    invoice, first, second = several_rates
    root = etree.fromstring(invoice_ubl(invoice, "en"))
    lines = root.xpath("/*/cac:InvoiceLine", namespaces=NS)
    described = [
        (
            line.findtext("cac:Item/cac:SellersItemIdentification/cbc:ID", namespaces=NS),
            line.find("cbc:InvoicedQuantity", namespaces=NS).get("unitCode"),
            line.findtext("cbc:InvoicedQuantity", namespaces=NS),
            line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS),
            line.findtext("cac:Price/cbc:BaseQuantity", namespaces=NS),
            line.findtext("cbc:LineExtensionAmount", namespaces=NS),
        )
        for line in lines
    ]
    assert described == [
        (str(first.number), "HUR", "1", "80.00", None, "80.00"),
        (str(second.number), "MIN", "20", "80.00", "60", "26.67"),
        (None, "C62", "2", "12.50", None, "25.00"),
        (None, "C62", "1", "4.20", None, "4.20"),
    ]
    names = [line.findtext("cac:Item/cbc:Name", namespaces=NS) for line in lines]
    assert names[0] == f"Ticket {first.number}: Printer on fire"
    cii = etree.fromstring(invoice_cii(invoice, "en"))
    assert cii.xpath("//ram:SpecifiedTradeProduct/ram:SellerAssignedID/text()", namespaces=NS) == [
        str(first.number),
        str(second.number),
    ]


def test_parties_payment_and_due_date_are_in_both_syntaxes(several_rates):
    invoice = several_rates[0]
    ubl = etree.fromstring(invoice_ubl(invoice, "en"))

    def text(path):
        return ubl.findtext(path, namespaces=NS)

    seller = "cac:AccountingSupplierParty/cac:Party/"
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert text(seller + "cbc:EndpointID") == "0403170701"
    assert ubl.find(seller + "cbc:EndpointID", namespaces=NS).get("schemeID") == "0208"
    assert text(seller + "cac:PartyTaxScheme/cbc:CompanyID") == "BE0403170701"
    assert text(seller + "cac:PostalAddress/cbc:StreetName") == "Rue de la Loi 16"
    assert text(seller + "cac:PostalAddress/cbc:PostalZone") == "1000"
    assert text(seller + "cac:PostalAddress/cbc:CityName") == "Bruxelles"
    assert text(buyer + "cbc:EndpointID") == "0428759497"
    assert text(buyer + "cac:PostalAddress/cbc:CityName") == "Ixelles"
    assert text(buyer + "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "BE"
    assert text("cbc:DueDate") == invoice.due_date.isoformat()
    assert text("cac:PaymentMeans/cbc:PaymentMeansCode") == "58"
    assert text("cac:PaymentMeans/cbc:PaymentID") == invoice.payment_reference_display
    assert text("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "BE71096123456769"
    cii = etree.fromstring(invoice_cii(invoice, "en"))
    assert cii.xpath("//ram:PaymentReference/text()", namespaces=NS) == [
        invoice.payment_reference_display
    ]
    assert cii.xpath("//ram:IBANID/text()", namespaces=NS) == ["BE71096123456769"]
    assert cii.xpath("//ram:BICID/text()", namespaces=NS) == ["GKCCBEBB"]
    assert cii.xpath(
        "//ram:DueDateDateTime/udt:DateTimeString/text()", namespaces={**NS, "udt": UDT}
    ) == [invoice.due_date.strftime("%Y%m%d")]
    assert cii.xpath(
        "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()", namespaces=NS
    ) == ["BE0403170701"]


def test_a_reverse_charge_invoice_is_category_ae_with_its_reason_and_both_vat_numbers(
    acme, alice, agnes, adam
):
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
    invoice = issue(adam, acme)
    assert invoice.total_vat == 0 and invoice.total_net == Decimal("170.40")
    cii, ubl = invoice_cii(invoice, "en"), invoice_ubl(invoice, "en")
    assert_valid_cii(cii)
    assert_valid_ubl(ubl)
    assert_amounts(cii_amounts(cii), invoice)
    assert_amounts(ubl_amounts(ubl), invoice)
    root = etree.fromstring(ubl)
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", namespaces=NS)
    assert category.findtext("cbc:ID", namespaces=NS) == "AE"
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=NS) == "VATEX-EU-AE"
    assert "Reverse charge" in category.findtext("cbc:TaxExemptionReason", namespaces=NS)
    assert {c.text for c in root.xpath("//cac:ClassifiedTaxCategory/cbc:ID", namespaces=NS)} == {
        "AE"
    }
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", namespaces=NS)
    assert buyer.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "NL004495445B01"
    assert buyer.find("cbc:EndpointID", namespaces=NS).get("schemeID") == "9944"
    address = buyer.find("cac:PostalAddress", namespaces=NS)
    assert [
        address.findtext(f"cbc:{name}", namespaces=NS)
        for name in ("StreetName", "PostalZone", "CityName")
    ] == [
        "Keizersgracht 1",
        "1015 CJ",
        "Amsterdam",
    ]
    assert address.findtext("cac:Country/cbc:IdentificationCode", namespaces=NS) == "NL"
    tree = etree.fromstring(cii)
    assert tree.xpath(
        "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReasonCode/text()",
        namespaces=NS,
    ) == ["VATEX-EU-AE"]
    assert tree.xpath(
        "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()", namespaces=NS
    ) == ["NL004495445B01"]


def _add_pack_line(invoice, adam, minutes=90):
    """An entry's part drawn from a prepaid pack, as the invoice lists it: at 0."""
    pack = HourPack.objects.create(
        organization=invoice.organization,
        sold_on=today(),
        minutes=600,
        price=Decimal("700.00"),
        created_by=adam,
    )
    line = invoice.lines.first()
    return InvoiceLine.objects.create(
        invoice=invoice,
        entry=line.entry,
        ticket_number=line.ticket_number,
        ticket_subject=line.ticket_subject,
        requester_name=line.requester_name,
        date=line.date,
        agent_name=line.agent_name,
        activity=line.activity,
        description=line.description,
        minutes=minutes,
        billed_minutes=minutes,
        pack=pack,
        hourly_rate=line.hourly_rate,
        amount=Decimal("0.00"),
    )


def test_prepaid_hours_are_a_line_at_zero_that_says_so(several_rates, adam):
    invoice = several_rates[0]
    pack_line = _add_pack_line(invoice, adam)
    cii, ubl = invoice_cii(invoice, "en"), invoice_ubl(invoice, "en")
    assert_valid_cii(cii)
    assert_valid_ubl(ubl)
    assert_amounts(cii_amounts(cii), invoice)
    assert_amounts(ubl_amounts(ubl), invoice)
    root = etree.fromstring(ubl)
    (line,) = [
        line
        for line in root.xpath("/*/cac:InvoiceLine", namespaces=NS)
        if "prepaid hours" in (line.findtext("cbc:Note", namespaces=NS) or "")
    ]
    assert line.findtext("cbc:InvoicedQuantity", namespaces=NS) == "1.5"
    assert line.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "0.00"
    assert line.findtext("cbc:LineExtensionAmount", namespaces=NS) == "0.00"
    assert line.findtext("cac:Item/cac:SellersItemIdentification/cbc:ID", namespaces=NS) == str(
        pack_line.ticket_number
    )


def test_a_credit_note_states_positive_amounts_and_the_invoice_it_cancels(several_rates, adam):
    invoice = several_rates[0]
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    assert credit.total_gross < 0
    cii, ubl = invoice_cii(credit, "en"), invoice_ubl(credit, "en")
    assert_valid_cii(cii)
    # Nobody pays a credit note: it has no payment means, which the Belgian check notes.
    assert_valid_ubl(ubl, allowed_warnings=frozenset({"BE-PAY-01"}))
    assert_amounts(cii_amounts(cii), credit)
    assert_amounts(ubl_amounts(ubl), credit)
    assert cii_amounts(cii).payable == invoice.total_gross
    root = etree.fromstring(ubl)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert (
        root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS)
        == invoice.number
    )
    assert [q.text for q in root.xpath("//cbc:CreditedQuantity", namespaces=NS)] == [
        "1",
        "20",
        "2",
        "1",
    ]
    tree = etree.fromstring(cii)
    assert tree.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NS) == ["381"]
    assert tree.xpath(
        "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()", namespaces=NS
    ) == [invoice.number]


def test_an_invoice_without_issuer_or_client_details_still_makes_valid_documents(
    acme, alice, agnes, adam, settings
):
    settings.ECMP_COUNTRY = "FR"
    set_rate(acme)
    log_time(make_ticket(alice), agnes, 45)
    invoice = issue(adam, acme)
    cii, ubl = invoice_cii(invoice, "en"), invoice_ubl(invoice, "en")
    assert_valid_cii(cii)
    assert validate_xsd(ubl)[0]
    assert [f.rule_id for f in check_rules(ubl) if f.severity == "fatal"] == []
    assert_amounts(ubl_amounts(ubl), invoice)
    root = etree.fromstring(ubl)
    assert {c.text for c in root.xpath("//cac:Country/cbc:IdentificationCode", namespaces=NS)} == {
        "FR"
    }
    # No IBAN: no credit transfer (BR-61 wants its account), the reference all the same.
    assert root.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "1"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Rue de la Loi 16\n1000 Bruxelles",
            Address("Rue de la Loi 16", "", "1000", "Bruxelles", "BE"),
        ),
        (
            "Rue X 1\nBoîte 3\nB-4000  Liège\nBelgique",
            Address("Rue X 1", "Boîte 3", "4000", "Liège", "BE"),
        ),
        ("1 rue de Rivoli\n75001 Paris", Address("1 rue de Rivoli", "", "75001", "Paris", "BE")),
        ("Unit 4, Dock Road\nDublin", Address("Unit 4, Dock Road", "", "", "Dublin", "BE")),
        ("Somewhere", Address("Somewhere", "", "", "", "BE")),
        ("", Address("", "", "", "", "BE")),
        ("  \n  ", Address("", "", "", "", "BE")),
    ],
)
def test_free_text_addresses_are_read_robustly(text, address):
    assert address_parse(text, "BE") == address


def test_the_country_comes_from_the_vat_number_else_the_address_else_the_setting(settings):
    settings.ECMP_COUNTRY = "LU"
    assert country_of("FR40303265045") == "FR"
    assert country_of("EL094259216") == "GR"
    assert country_of("", "Rue X 1\n75001 Paris\nFrance") == "FR"
    assert country_of("", "Rue X 1") == "LU"


def test_lines_that_do_not_add_up_to_the_totals_make_no_e_invoice(several_rates):
    invoice = several_rates[0]
    line = invoice.lines.first()
    line.amount += Decimal("0.01")
    line.save()
    with pytest.raises(ValueError, match="lines"):
        einvoice_content(invoice)


def test_the_reading_of_an_invoice_takes_the_same_queries_for_few_or_many_lines(
    several_rates, acme, alice, agnes, adam, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    invoice = several_rates[0]
    with CaptureQueriesContext(connection) as few:
        einvoice_content(invoice)
    for n in range(5):
        log_time(make_ticket(alice), agnes, 30)
        add_charge(agnes, acme, f"More {n}", "1", "1", "6")
    bigger = issue(adam, acme)
    for _n in range(3):
        _add_pack_line(bigger, adam)
    with CaptureQueriesContext(connection) as many:
        einvoice_content(bigger)
    assert len(many) == len(few)


def fonts_without_file(pdf: bytes) -> list[str]:
    missing = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for name, ref in page["/Resources"].get("/Font", {}).items():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(f"{name} {font.get('/BaseFont')}")
    return missing


def test_the_factur_x_pdf_is_pdf_a_3_with_embedded_fonts_and_its_xml(several_rates):
    invoice, first, second = several_rates
    pdf = invoice_facturx(invoice, "en")
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert_valid_cii(xml)
    assert_amounts(cii_amounts(xml), invoice)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"<pdfaid:part>3</pdfaid:part>|pdfaid:part=.3.", metadata)
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in metadata
    assert "EN 16931" in metadata
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert fonts_without_file(pdf) == []
    assert any(True for page in reader.pages for _f in page["/Resources"]["/Font"])
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (invoice.number, str(first.number), str(second.number), "Printer on fire"):
        assert expected in text, expected


def test_a_credit_notes_factur_x_carries_its_xml_too(several_rates, adam):
    credit = services.invoice_cancel(by=adam, invoice=several_rates[0])
    _filename, xml = facturx.get_xml_from_pdf(invoice_facturx(credit, "fr"), check_xsd=True)
    assert etree.fromstring(xml).xpath(
        "//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NS
    ) == ["381"]
    assert_amounts(cii_amounts(xml), credit)


def test_the_files_sent_are_the_factur_x_pdf_and_the_ubl(several_rates):
    invoice = several_rates[0]
    (pdf_name, pdf, pdf_type), (xml_name, xml, xml_type) = invoice_files(invoice, "en")
    assert (pdf_name, pdf_type) == (f"{invoice.number}.pdf", "application/pdf")
    assert (xml_name, xml_type) == (f"{invoice.number}-ubl.xml", "application/xml")
    assert facturx.get_xml_from_pdf(pdf, check_xsd=True)[0] == "factur-x.xml"
    assert_valid_ubl(xml)


def test_admins_download_the_factur_x_pdf_and_the_ubl_from_the_desk(
    client_for, adam, several_rates
):
    invoice = several_rates[0]
    admin = client_for(adam)
    page = admin.get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    assert reverse("desk:invoice-file", args=[invoice.pk, "ubl"]) in page
    pdf = admin.get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert facturx.get_xml_from_pdf(pdf.content, check_xsd=True)[0] == "factur-x.xml"
    ubl = admin.get(reverse("desk:invoice-file", args=[invoice.pk, "ubl"]))
    assert ubl["Content-Type"] == "application/xml"
    assert f"invoice-{invoice.number}-ubl.xml" in ubl["Content-Disposition"]
    assert_valid_ubl(ubl.content)
    unknown_kind = reverse("desk:invoice-file", args=[invoice.pk, "pdf"]).replace("/pdf/", "/xml/")
    assert admin.get(unknown_kind).status_code == 404


def test_agents_and_customers_do_not_get_the_desks_e_invoices(
    client_for, agnes, alice, several_rates
):
    invoice = several_rates[0]
    url = reverse("desk:invoice-file", args=[invoice.pk, "ubl"])
    assert client_for(alice).get(url).status_code == 403
    pdf_status = client_for(agnes).get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    assert client_for(agnes).get(url).status_code == pdf_status.status_code != 200


def test_the_team_manager_downloads_the_e_invoices_and_nobody_else_outside_the_desk(
    client_for, alice, bob, carol, several_rates
):
    invoice = several_rates[0]
    manager = client_for(alice)
    listing = manager.get(reverse("portal:invoices")).content.decode()
    ubl_url = reverse("portal:invoice-ubl", args=[invoice.pk])
    assert ubl_url in listing
    response = manager.get(ubl_url)
    assert response.status_code == 200
    assert_amounts(ubl_amounts(response.content), invoice)
    pdf = manager.get(reverse("portal:invoice-pdf", args=[invoice.pk]))
    assert facturx.get_xml_from_pdf(pdf.content, check_xsd=True)[0] == "factur-x.xml"
    assert client_for(bob).get(ubl_url).status_code == 403
    carol.is_team_manager = True
    carol.save()
    assert client_for(carol).get(ubl_url).status_code == 404


@pytest.mark.parametrize(
    ("company_number", "vat_number", "email", "legal", "endpoint"),
    [
        ("0403.170.701", "BE0403170701", "", ("0403170701", "0208"), ("0403170701", "0208")),
        ("", "BE0428759497", "a@b.test", ("0428759497", "0208"), ("0428759497", "0208")),
        ("", "FR40303265045", "a@b.test", ("", ""), ("FR40303265045", "9957")),
        ("732829320", "FR40303265045", "", ("732829320", "0002"), ("FR40303265045", "9957")),
        ("", "NL004495445B01", "", ("", ""), ("NL004495445B01", "9944")),
        ("", "", "billing@client.test", ("", ""), ("billing@client.test", "EM")),
        ("", "", "", ("", ""), ("", "")),
    ],
)
def test_legal_numbers_and_peppol_addresses(company_number, vat_number, email, legal, endpoint):
    assert legal_registration(company_number, vat_number) == legal
    assert endpoint_for(*legal, vat_number, email) == endpoint
