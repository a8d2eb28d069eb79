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
