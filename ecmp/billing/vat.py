"""VAT per rate, as EN 16931 sums it: line amounts to the cent, then per rate (and
category) the net sum and the VAT on that sum, to the cent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ecmp.billing.models import Charge, InvoiceVatTotal
from ecmp.billing.money import vat_breakdown

# Printed on an invoice under reverse charge (EN 16931 BT-120, the exemption reason).
REVERSE_CHARGE_MENTION = _(
    "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC)."
)


@dataclass
class DraftCharge:
    charge: Charge
    vat_rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class VatRow:
    category: str
    rate: Decimal
    net: Decimal
    vat: Decimal


def category_of(rate: Decimal, *, reverse_charge: bool) -> str:
    if reverse_charge:
        return InvoiceVatTotal.Category.REVERSE_CHARGE
    return InvoiceVatTotal.Category.STANDARD if rate else InvoiceVatTotal.Category.ZERO


def vat_rows(*groups: list[tuple[Decimal, Decimal]], reverse_charge: bool = False) -> list[VatRow]:
    """The per-rate totals of (rate, net amount) lines; under reverse charge every rate
    is already 0 and the category says why."""
    lines = [line for group in groups for line in group]
    return [
        VatRow(category_of(rate, reverse_charge=reverse_charge), rate, net, vat)
        for rate, net, vat in vat_breakdown(lines)
    ]
