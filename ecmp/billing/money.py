"""Money arithmetic: Decimal, to the cent, half up; rounding of billed time."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def billed_minutes(minutes: int, rounding: int) -> int:
    """Each entry rounded up to the client's step (15 min: 1 → 15, 15 → 15, 16 → 30)."""
    step = max(1, int(rounding))
    return -(-int(minutes) // step) * step


def line_amount(minutes: int, hourly_rate: Decimal) -> Decimal:
    return cents(Decimal(minutes) * hourly_rate / Decimal(60))


def vat_of(net: Decimal, rate_percent: Decimal) -> Decimal:
    return cents(net * rate_percent / Decimal(100))


def charge_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A free line's net amount, rounded to the cent on its own (EN 16931 BT-131)."""
    return cents(quantity * unit_price)


def vat_breakdown(lines: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, net, VAT) per rate, highest rate first, from (rate, net amount) lines whose
    amounts are already to the cent: VAT is computed once per rate, on the rate's sum."""
    nets: dict[Decimal, Decimal] = {}
    for rate, amount in lines:
        key = Decimal(rate).quantize(CENT)
        nets[key] = nets.get(key, Decimal("0.00")) + amount
    return [(rate, nets[rate], vat_of(nets[rate], rate)) for rate in sorted(nets, reverse=True)]
