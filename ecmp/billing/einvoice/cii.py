"""An issued invoice as EN 16931 CII XML (UN/CEFACT Cross Industry Invoice D16B), the
XML that Factur-X embeds at its EN 16931 profile. Elements follow the order of the
Factur-X EN 16931 schema; empty optional elements are left out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import translation
from lxml import etree  # type: ignore[import-untyped]

from ecmp.billing.einvoice.content import (
    EInvoice,
    Party,
    einvoice_content,
)
from ecmp.billing.invoice_models import quantity_text
from ecmp.billing.models import Invoice

GUIDELINE = "urn:cen.eu:en16931:2017"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, tag: str, text: str, **attrs: str) -> None:
    if text:
        _el(parent, tag, text, **attrs)


def _amount(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _date(parent: etree._Element, tag: str, day: date) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name)
    if party.legal_id:
        legal = _el(node, "ram:SpecifiedLegalOrganization")
        _el(legal, "ram:ID", party.legal_id, schemeID=party.legal_scheme)
    if party.phone or party.email:
        contact = _el(node, "ram:DefinedTradeContact")
        if party.phone:
            _el(
                _el(contact, "ram:TelephoneUniversalCommunication"),
                "ram:CompleteNumber",
                party.phone,
            )
        if party.email:
            _el(_el(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    address = _el(node, "ram:PostalTradeAddress")
    _opt(address, "ram:PostcodeCode", party.address.postcode)
    _opt(address, "ram:LineOne", party.address.street)
    _opt(address, "ram:LineTwo", party.address.more)
    _opt(address, "ram:CityName", party.address.city)
    _el(address, "ram:CountryID", party.address.country)
    if party.endpoint:
        # BT-34/BT-49: the electronic address, as in the UBL's EndpointID.
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party.endpoint, schemeID=party.endpoint_scheme)
    if party.vat_number:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_number, schemeID="VA")


def cii_tree(document: EInvoice) -> etree._Element:
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", document.number)
    _el(header, "ram:TypeCode", document.type_code)
    _date(header, "ram:IssueDateTime", document.issue_date)
    for note in document.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        line_doc = _el(item, "ram:AssociatedDocumentLineDocument")
        _el(line_doc, "ram:LineID", line.id)
        if line.note:
            _el(_el(line_doc, "ram:IncludedNote"), "ram:Content", line.note)
        product = _el(item, "ram:SpecifiedTradeProduct")
        _opt(product, "ram:SellerAssignedID", line.seller_item_id)
        _el(product, "ram:Name", line.name)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        price = _el(agreement, "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", str(line.price))
        if line.base_quantity != 1:
            _el(
                price,
                "ram:BasisQuantity",
                quantity_text(line.base_quantity),
                unitCode=line.base_unit,
            )
        delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
        _el(delivery, "ram:BilledQuantity", quantity_text(line.quantity), unitCode=line.unit)
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", line.category)
        _el(tax, "ram:RateApplicablePercent", str(line.rate))
        if line.day:
            period = _el(settlement, "ram:BillingSpecifiedPeriod")
            _date(period, "ram:StartDateTime", line.day)
            _date(period, "ram:EndDateTime", line.day)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(line.amount))
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _opt(agreement, "ram:BuyerReference", document.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", document.seller)
    _party(agreement, "ram:BuyerTradeParty", document.buyer)
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    payment = document.payment
    if payment is not None:
        _opt(settlement, "ram:PaymentReference", payment.reference)
    _el(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if payment is not None:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", payment.means_code)
        if payment.iban:
            _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", payment.iban)
        if payment.iban and payment.bic:
            _el(
                _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
                "ram:BICID",
                payment.bic,
            )
    for group in document.vat:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(group.vat))
        _el(tax, "ram:TypeCode", "VAT")
        _opt(tax, "ram:ExemptionReason", group.exemption_reason)
        _el(tax, "ram:BasisAmount", _amount(group.net))
        _el(tax, "ram:CategoryCode", group.category)
        _opt(tax, "ram:ExemptionReasonCode", group.exemption_code)
        _el(tax, "ram:RateApplicablePercent", str(group.rate))
    period = _el(settlement, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", document.period_start)
    _date(period, "ram:EndDateTime", document.period_end)
    if document.payment_terms or document.due_date:
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _opt(terms, "ram:Description", document.payment_terms)
        if document.due_date:
            _date(terms, "ram:DueDateDateTime", document.due_date)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(document.total_net))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(document.total_net))
    _el(totals, "ram:TaxTotalAmount", _amount(document.total_vat), currencyID=document.currency)
    _el(totals, "ram:GrandTotalAmount", _amount(document.total_gross))
    _el(totals, "ram:DuePayableAmount", _amount(document.total_gross))
    if document.preceding_number:
        preceding = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(preceding, "ram:IssuerAssignedID", document.preceding_number)
        if document.preceding_date:
            formatted = _el(preceding, "ram:FormattedIssueDateTime")
            _el(
                formatted,
                "qdt:DateTimeString",
                document.preceding_date.strftime("%Y%m%d"),
                format="102",
            )
    return root


def invoice_cii(invoice: Invoice, language: str) -> bytes:
    """The CII XML (UTF-8) of an issued invoice or credit note; texts in `language`."""
    with translation.override(language):
        document = einvoice_content(invoice)
    return etree.tostring(
        cii_tree(document), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
