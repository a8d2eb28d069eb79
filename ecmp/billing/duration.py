"""Durations as agents type them after a call: "15m", "1h30", "1.5", "1:30", "90"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_MINUTES = 24 * 60
_HOURS_MINUTES = re.compile(r"^(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min|mn)?)?$")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def parse_duration(text: str) -> int | None:
    """Minutes, or None when the text is not a duration of one day at most.

    A bare number is hours when it has a decimal part ("1.5", "0,25") and
    minutes otherwise ("90"); "1h30", "1h", "45m", "2 h 15" and "1:30" read as
    one would expect.
    """
    value = (text or "").strip().lower().replace(" ", "")
    if not value or len(value) > 12:
        return None
    minutes: int | None = None
    if clock := _CLOCK.match(value):
        minutes = int(clock.group(1)) * 60 + int(clock.group(2))
    elif re.fullmatch(r"\d+[.,]\d+|[.,]\d+", value):
        try:
            hours = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return None
        minutes = int((hours * 60).to_integral_value())
    elif value.endswith("h") and re.fullmatch(r"\d+[.,]\d+h", value):
        minutes = int((Decimal(value[:-1].replace(",", ".")) * 60).to_integral_value())
    elif match := _HOURS_MINUTES.match(value):
        whole_hours, rest = match.groups()
        if whole_hours is None and rest is None:
            return None
        if whole_hours is not None and rest is not None and int(rest) >= 60:
            return None  # "1h70" is a typo, not 2h10
        minutes = int(whole_hours or 0) * 60 + int(rest or 0)
    if minutes is None or minutes <= 0 or minutes > MAX_MINUTES:
        return None
    return minutes


def format_duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"
