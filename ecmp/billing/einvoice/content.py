"""What an e-invoice says, worked out once from an issued invoice for both syntaxes
(CII in Factur-X, UBL for Peppol): parties with a country, lines, the VAT breakdown
and the totals, every amount positive (EN 16931 credit notes carry positive amounts
where ECMP stores the cancelled invoice's amounts with a minus sign)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from ecmp.billing.activity_names import activity_label
from ecmp.billing.duration import format_duration
from ecmp.billing.models import Invoice, InvoiceLine
from ecmp.billing.money import CENT
from ecmp.billing.references import RF, reference_display
from ecmp.billing.vat import REVERSE_CHARGE_MENTION, category_of

# EN 16931 unit codes (UN/ECE Recommendation 20): hour, minute, piece.
HOUR, MINUTE, PIECE = "HUR", "MIN", "C62"
# UNCL 4461: SEPA credit transfer; "not defined" when the issuer has no IBAN (a credit
# transfer without an account is refused by BR-61).
SEPA_CREDIT_TRANSFER, PAYMENT_NOT_DEFINED = "58", "1"
# UNCL 1001: commercial invoice, credit note.
INVOICE_TYPE, CREDIT_NOTE_TYPE = "380", "381"
REVERSE_CHARGE_CODE = "VATEX-EU-AE"

# ISO 6523 schemes of legal registration numbers (EN 16931 BT-30): the Belgian
# enterprise number, the French SIREN and SIRET.
BE_ENTERPRISE, FR_SIREN, FR_SIRET = "0208", "0002", "0009"
# Peppol electronic address schemes (EAS) for a VAT number, by country. A Belgian
# party is addressed by its enterprise number (0208), which the Belgian Peppol
# directory uses since 9925 (Belgian VAT) was deprecated; other parties by their VAT
# number; a party without one by its email address (EM).
VAT_ENDPOINT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "BG": "9926",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "EL": "9933",
    "ES": "9920",
    "FR": "9957",
    "GR": "9933",
    "HR": "9934",
    "IE": "9935",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
}
EMAIL_ENDPOINT = "EM"
# A last address line naming the country (which the country code already says).
COUNTRY_NAMES = {
    "belgium": "BE",
    "belgique": "BE",
    "belgië": "BE",
    "belgie": "BE",
    "france": "FR",
    "netherlands": "NL",
    "the netherlands": "NL",
    "nederland": "NL",
    "luxembourg": "LU",
    "germany": "DE",
    "deutschland": "DE",
}
# "1000 Brussels", "B-1000 Brussels", "75001 Paris", "1012 AB Amsterdam".
POSTCODE_CITY = re.compile(r"^(?:[A-Z]{1,2}-)?(\d{4,5}(?: ?[A-Z]{2})?)\s+(\S.*)$")


@dataclass(frozen=True)
class Address:
    street: str = ""
    more: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class Party:
    name: str
    address: Address
    vat_number: str = ""
    legal_id: str = ""
    legal_scheme: str = ""
    endpoint: str = ""
    endpoint_scheme: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Line:
    id: str
    name: str
    note: str
    seller_item_id: str
    quantity: Decimal
    unit: str
    price: Decimal
    base_quantity: Decimal
    base_unit: str
    amount: Decimal
    category: str
    rate: Decimal
    day: date | None = None


@dataclass(frozen=True)
class VatGroup:
    category: str
    rate: Decimal
    net: Decimal
    vat: Decimal
    exemption_reason: str = ""
    exemption_code: str = ""


@dataclass(frozen=True)
class Payment:
    means_code: str
    iban: str
    bic: str
    reference: str
    payee: str


@dataclass
class EInvoice:
    number: str
    type_code: str
    issue_date: date
    due_date: date | None
    currency: str
    buyer_reference: str
    period_start: date
    period_end: date
    seller: Party
    buyer: Party
    lines: list[Line]
    vat: list[VatGroup]
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    payment: Payment | None
    payment_terms: str
    notes: list[str] = field(default_factory=list)
    preceding_number: str = ""
    preceding_date: date | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE_TYPE


def country_of(vat_number: str, address: str = "") -> str:
    """The ISO 3166 code of a party: its VAT number's prefix (Greece's is EL), else a
    country named on the address's last line, else the setting."""
    prefix = (vat_number or "")[:2].upper()
    if len(prefix) == 2 and prefix.isalpha():
        return "GR" if prefix == "EL" else prefix
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if lines and lines[-1].casefold() in COUNTRY_NAMES:
        return COUNTRY_NAMES[lines[-1].casefold()]
    return str(settings.ECMP_COUNTRY).upper()


def address_parse(text: str, country: str) -> Address:
    """A free-text address as EN 16931 wants it: the street from the first line, the
    post code and city from the last one when it reads "1000 Brussels"; whatever is in
    between as a second line. An empty address is just its country."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]
    if lines and lines[-1].casefold() in COUNTRY_NAMES:
        lines.pop()
    postcode = city = ""
    if lines:
        match = POSTCODE_CITY.match(lines[-1])
        if match:
            postcode, city = match.group(1), match.group(2)
            lines.pop()
        elif len(lines) > 1:
            city = lines.pop()
    street = lines.pop(0) if lines else ""
    return Address(
        street=street, more=", ".join(lines), postcode=postcode, city=city, country=country
    )


def legal_registration(company_number: str, vat_number: str) -> tuple[str, str]:
    """(number, ISO 6523 scheme) of a legal registration: the company number typed on the
    issuer's details (checked there: a Belgian enterprise number, a SIREN or a SIRET, told
    apart by their length), else the one a Belgian VAT number holds (its ten digits)."""
    number = re.sub(r"\D", "", company_number or "")
    scheme = {10: BE_ENTERPRISE, 9: FR_SIREN, 14: FR_SIRET}.get(len(number))
    if scheme:
        return number, scheme
    if (vat_number or "").upper().startswith("BE") and vat_number[2:].isdigit():
        return vat_number[2:], BE_ENTERPRISE
    return "", ""


def endpoint_for(legal_id: str, legal_scheme: str, vat_number: str, email: str) -> tuple[str, str]:
    """The party's Peppol address (id, scheme): see VAT_ENDPOINT_SCHEMES."""
    if legal_scheme == BE_ENTERPRISE and legal_id:
        return legal_id, BE_ENTERPRISE
    scheme = VAT_ENDPOINT_SCHEMES.get((vat_number or "")[:2].upper())
    if scheme and vat_number:
        return vat_number.upper(), scheme
    if email:
        return email, EMAIL_ENDPOINT
    return "", ""


def _party(
    name: str, address: str, vat_number: str, company_number: str, email: str, phone: str
) -> Party:
    country = country_of(vat_number, address)
    legal_id, legal_scheme = legal_registration(company_number, vat_number)
    endpoint, endpoint_scheme = endpoint_for(legal_id, legal_scheme, vat_number, email)
    return Party(
        name=name,
        address=address_parse(address, country),
        vat_number=(vat_number or "").upper(),
        legal_id=legal_id,
        legal_scheme=legal_scheme,
        endpoint=endpoint,
        endpoint_scheme=endpoint_scheme,
        email=email,
        phone=phone,
    )


def _signed(sign: int, value: Decimal) -> Decimal:
    """The value times the sign, never "-0.00" (which EN 16931 rules read as non-zero)."""
    value = value if sign > 0 else -value
    return value if value else abs(value)


def _first_email(emails: str) -> str:
    return next((part.strip() for part in re.split(r"[,;\s]+", emails or "") if part.strip()), "")


def _day(value: date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _time_line(index: int, line: InvoiceLine, sign: int, category: str, rate: Decimal) -> Line:
    # Hours when the minutes make an exact number of hundredths of an hour (every
    # rounding step of 3 minutes or more), else minutes priced per 60: quantity x
    # price then gives the line's amount exactly (EN 16931 BT-131).
    if line.billed_minutes % 3 == 0:
        quantity, unit = Decimal(line.billed_minutes) / Decimal(60), HOUR
        base_quantity, base_unit = Decimal(1), HOUR
    else:
        quantity, unit = Decimal(line.billed_minutes), MINUTE
        base_quantity, base_unit = Decimal(60), MINUTE
    note = f"{line.date.isoformat()} {line.agent_name} — {activity_label(line.activity)}"
    if line.description:
        note = f"{note}: {line.description}"
    if line.pack is not None:
        # The PDF's wording (documents._work), so both say the same.
        drawn = _("%(time)s from prepaid hours (pack of %(day)s)") % {
            "time": format_duration(line.billed_minutes),
            "day": _day(line.pack.sold_on),
        }
        note = f"{note} — {drawn}"
    return Line(
        id=str(index),
        name=_("Ticket %(number)s: %(subject)s")
        % {"number": line.ticket_number, "subject": line.ticket_subject},
        note=note,
        seller_item_id=str(line.ticket_number),
        quantity=quantity,
        unit=unit,
        # Prepaid hours cost nothing on this invoice: the pack was billed when sold.
        price=Decimal("0.00") if line.pack_id is not None else line.hourly_rate,
        base_quantity=base_quantity,
        base_unit=base_unit,
        amount=_signed(sign, line.amount),
        category=category,
        rate=rate,
        day=line.date,
    )


def einvoice_content(invoice: Invoice) -> EInvoice:
    """The e-invoice of an issued invoice or credit note, in the active language.

    Raises ValueError if the lines do not add up to the invoice's totals: a document
    a client's software would refuse (EN 16931 BR-CO-10, BR-CO-13…) is never made."""
    sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
    reverse_charge = invoice.reverse_charge
    time_rate = invoice.vat_rate.quantize(CENT)
    time_category = category_of(time_rate, reverse_charge=reverse_charge)
    lines: list[Line] = []
    for line in invoice.lines.select_related("pack"):
        lines.append(_time_line(len(lines) + 1, line, sign, time_category, time_rate))
    for item in invoice.items.all():
        quantity, price = _signed(sign, item.quantity), item.unit_price
        if price < 0:  # a discount: EN 16931 refuses a negative price (BR-27), not a quantity
            quantity, price = _signed(-1, quantity), -price
        rate = item.vat_rate.quantize(CENT)
        lines.append(
            Line(
                id=str(len(lines) + 1),
                name=item.description,
                note="",
                seller_item_id="",
                quantity=quantity,
                unit=PIECE,
                price=price,
                base_quantity=Decimal(1),
                base_unit=PIECE,
                amount=_signed(sign, item.amount),
                category=category_of(rate, reverse_charge=reverse_charge),
                rate=rate,
                day=item.date,
            )
        )
    vat = [
        VatGroup(
            category=total.category,
            rate=total.rate.quantize(CENT),
            net=_signed(sign, total.net),
            vat=_signed(sign, total.vat),
            exemption_reason=str(REVERSE_CHARGE_MENTION) if total.category == "AE" else "",
            exemption_code=REVERSE_CHARGE_CODE if total.category == "AE" else "",
        )
        for total in invoice.vat_totals.all()
    ]
    seller = _party(
        invoice.issuer_name or settings.ECMP_COMPANY_NAME,
        invoice.issuer_address,
        invoice.issuer_vat_number,
        invoice.issuer_company_number,
        invoice.issuer_email,
        invoice.issuer_phone,
    )
    buyer = _party(
        invoice.client_name or invoice.organization.name,
        invoice.client_address,
        invoice.client_vat_number,
        "",
        _first_email(invoice.client_emails),
        "",
    )
    preceding = invoice.cancels
    payment = None
    if sign > 0:
        reference = invoice.payment_reference
        if reference and invoice.payment_reference_kind != RF:
            reference = reference_display(invoice.payment_reference_kind, reference)
        payment = Payment(
            means_code=SEPA_CREDIT_TRANSFER if invoice.issuer_iban else PAYMENT_NOT_DEFINED,
            iban=invoice.issuer_iban,
            bic=invoice.issuer_bic,
            reference=reference,
            payee=seller.name,
        )
    if preceding is not None:
        terms = _("Credit note %(number)s (cancels invoice %(original)s)") % {
            "number": invoice.number,
            "original": preceding.number,
        }
    elif invoice.due_date:
        terms = _("To be paid by %(date)s.") % {"date": _day(invoice.due_date)}
    else:
        terms = ""
    document = EInvoice(
        number=invoice.number,
        type_code=CREDIT_NOTE_TYPE if sign < 0 else INVOICE_TYPE,
        issue_date=invoice.issue_date or invoice.issued_at.date(),
        due_date=invoice.due_date if sign > 0 else None,
        currency=invoice.currency,
        # BT-10, which Peppol requires: the client's name is what routes the invoice
        # to the right desk when nothing better was agreed.
        buyer_reference=buyer.name,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        seller=seller,
        buyer=buyer,
        lines=lines,
        vat=vat,
        total_net=_signed(sign, invoice.total_net),
        total_vat=_signed(sign, invoice.total_vat),
        total_gross=_signed(sign, invoice.total_gross),
        payment=payment,
        payment_terms=terms,
        notes=[str(REVERSE_CHARGE_MENTION)] if reverse_charge else [],
        preceding_number=preceding.number if preceding else "",
        preceding_date=(preceding.issue_date or preceding.issued_at.date()) if preceding else None,
    )
    check_sums(document)
    return document


def check_sums(document: EInvoice) -> None:
    """The lines add up to each VAT group and to the totals, to the cent."""
    by_group: dict[tuple[str, Decimal], Decimal] = {}
    for line in document.lines:
        key = (line.category, line.rate)
        by_group[key] = by_group.get(key, Decimal(0)) + line.amount
    groups = {(group.category, group.rate): group.net for group in document.vat}
    problems = []
    if by_group != groups:
        problems.append(f"lines per VAT group {by_group} != breakdown {groups}")
    if sum(by_group.values(), Decimal(0)) != document.total_net:
        problems.append(f"lines {sum(by_group.values())} != net total {document.total_net}")
    if sum((group.vat for group in document.vat), Decimal(0)) != document.total_vat:
        problems.append(f"VAT per group != VAT total {document.total_vat}")
    if document.total_net + document.total_vat != document.total_gross:
        problems.append(f"net + VAT != gross total {document.total_gross}")
    if problems:
        raise ValueError(f"invoice {document.number}: " + "; ".join(problems))
