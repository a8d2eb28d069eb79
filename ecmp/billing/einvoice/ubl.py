"""An issued invoice as UBL 2.1 for Peppol BIS Billing 3.0: an Invoice, or a CreditNote
for a credit note, with the same content and amounts as the CII (content.py).
Elements follow the order of the OASIS UBL 2.1 schemas; empty ones are left out
(PEPPOL-EN16931-R008).

Peppol addresses (EndpointID, BT-34/BT-49): a Belgian party by its enterprise number
(scheme 0208, what the Belgian Peppol directory lists), another party by its VAT
number under its country's scheme (9957 France, 9944 the Netherlands…), a party
without a VAT number by its email address (EM)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from lxml import etree  # type: ignore[import-untyped]

from ecmp.billing.einvoice.content import EInvoice, Party, einvoice_content
from ecmp.billing.invoice_models import quantity_text
from ecmp.billing.models import Invoice

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NAMESPACES = {"cac": CAC, "cbc": CBC}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NAMESPACES[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, tag: str, text: str, **attrs: str) -> None:
    if text:
        _el(parent, tag, text, **attrs)


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _el(parent, tag, str(value.quantize(Decimal("0.01"))), currencyID=currency)


def _tax_scheme(parent: etree._Element) -> None:
    _el(_el(parent, "cac:TaxScheme"), "cbc:ID", "VAT")


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _el(_el(parent, tag), "cac:Party")
    if party.endpoint:
        _el(node, "cbc:EndpointID", party.endpoint, schemeID=party.endpoint_scheme)
    _el(_el(node, "cac:PartyName"), "cbc:Name", party.name)
    address = _el(node, "cac:PostalAddress")
    _opt(address, "cbc:StreetName", party.address.street)
    _opt(address, "cbc:AdditionalStreetName", party.address.more)
    _opt(address, "cbc:CityName", party.address.city)
    _opt(address, "cbc:PostalZone", party.address.postcode)
    _el(_el(address, "cac:Country"), "cbc:IdentificationCode", party.address.country)
    if party.vat_number:
        tax = _el(node, "cac:PartyTaxScheme")
        _el(tax, "cbc:CompanyID", party.vat_number)
        _tax_scheme(tax)
    legal = _el(node, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", party.name)
    if party.legal_id:
        _el(legal, "cbc:CompanyID", party.legal_id, schemeID=party.legal_scheme)
    if party.phone or party.email:
        contact = _el(node, "cac:Contact")
        _opt(contact, "cbc:Telephone", party.phone)
        _opt(contact, "cbc:ElectronicMail", party.email)


def ubl_tree(document: EInvoice) -> etree._Element:
    credit = document.is_credit_note
    root_ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": CAC, "cbc": CBC},
    )
    currency = document.currency
    _el(root, "cbc:CustomizationID", CUSTOMIZATION)
    _el(root, "cbc:ProfileID", PROFILE)
    _el(root, "cbc:ID", document.number)
    _el(root, "cbc:IssueDate", document.issue_date.isoformat())
    if document.due_date and not credit:  # a UBL 2.1 CreditNote has no DueDate
        _el(root, "cbc:DueDate", document.due_date.isoformat())
    _el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", document.type_code)
    for note in document.notes:
        _el(root, "cbc:Note", note)
    _el(root, "cbc:DocumentCurrencyCode", currency)
    _opt(root, "cbc:BuyerReference", document.buyer_reference)
    period = _el(root, "cac:InvoicePeriod")
    _el(period, "cbc:StartDate", document.period_start.isoformat())
    _el(period, "cbc:EndDate", document.period_end.isoformat())
    if document.preceding_number:
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", document.preceding_number)
        if document.preceding_date:
            _el(reference, "cbc:IssueDate", document.preceding_date.isoformat())
    _party(root, "cac:AccountingSupplierParty", document.seller)
    _party(root, "cac:AccountingCustomerParty", document.buyer)
    payment = document.payment
    if payment is not None:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", payment.means_code)
        _opt(means, "cbc:PaymentID", payment.reference)
        if payment.iban:
            account = _el(means, "cac:PayeeFinancialAccount")
            _el(account, "cbc:ID", payment.iban)
            _el(account, "cbc:Name", payment.payee)
            if payment.bic:
                _el(_el(account, "cac:FinancialInstitutionBranch"), "cbc:ID", payment.bic)
    if document.payment_terms:
        _el(_el(root, "cac:PaymentTerms"), "cbc:Note", document.payment_terms)
    tax_total = _el(root, "cac:TaxTotal")
    _money(tax_total, "cbc:TaxAmount", document.total_vat, currency)
    for group in document.vat:
        subtotal = _el(tax_total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", group.net, currency)
        _money(subtotal, "cbc:TaxAmount", group.vat, currency)
        category = _el(subtotal, "cac:TaxCategory")
        _el(category, "cbc:ID", group.category)
        _el(category, "cbc:Percent", str(group.rate))
        _opt(category, "cbc:TaxExemptionReasonCode", group.exemption_code)
        _opt(category, "cbc:TaxExemptionReason", group.exemption_reason)
        _tax_scheme(category)
    totals = _el(root, "cac:LegalMonetaryTotal")
    _money(totals, "cbc:LineExtensionAmount", document.total_net, currency)
    _money(totals, "cbc:TaxExclusiveAmount", document.total_net, currency)
    _money(totals, "cbc:TaxInclusiveAmount", document.total_gross, currency)
    _money(totals, "cbc:PayableAmount", document.total_gross, currency)
    for line in document.lines:
        node = _el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        _el(node, "cbc:ID", line.id)
        _opt(node, "cbc:Note", line.note)
        _el(
            node,
            "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
            quantity_text(line.quantity),
            unitCode=line.unit,
        )
        _money(node, "cbc:LineExtensionAmount", line.amount, currency)
        if line.day:
            line_period = _el(node, "cac:InvoicePeriod")
            _el(line_period, "cbc:StartDate", line.day.isoformat())
            _el(line_period, "cbc:EndDate", line.day.isoformat())
        item = _el(node, "cac:Item")
        _el(item, "cbc:Name", line.name)
        if line.seller_item_id:
            _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", line.seller_item_id)
        category = _el(item, "cac:ClassifiedTaxCategory")
        _el(category, "cbc:ID", line.category)
        _el(category, "cbc:Percent", str(line.rate))
        _tax_scheme(category)
        price = _el(node, "cac:Price")
        _money(price, "cbc:PriceAmount", line.price, currency)
        if line.base_quantity != 1:
            _el(
                price,
                "cbc:BaseQuantity",
                quantity_text(line.base_quantity),
                unitCode=line.base_unit,
            )
    return root


def invoice_ubl(invoice: Invoice, language: str) -> bytes:
    """The UBL XML (UTF-8) of an issued invoice or credit note; texts in `language`."""
    with translation.override(language):
        document = einvoice_content(invoice)
    return etree.tostring(
        ubl_tree(document), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
