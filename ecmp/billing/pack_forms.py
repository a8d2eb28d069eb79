"""The form an admin sells a pack of prepaid hours with."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.billing.duration import parse_duration

_WHOLE_HOURS = re.compile(r"^(\d{1,5})\s*h?$")
_HOURS_MINUTES = re.compile(r"^(\d{1,5})\s*h\s*([0-5]?\d)\s*(?:m|min)?$")


def parse_hours(text: str) -> int | None:
    """Minutes from hours as a pack is sold: "10" and "10h" are ten hours (not ten
    minutes, as a logged duration would be), "7h30" and "7.5" seven and a half;
    what a logged duration reads otherwise ("1:30", "45m") reads the same."""
    value = (text or "").strip().lower().replace(" ", "")
    if match := _WHOLE_HOURS.match(value):
        minutes = int(match.group(1)) * 60
    elif match := _HOURS_MINUTES.match(value):
        minutes = int(match.group(1)) * 60 + int(match.group(2))
    else:
        parsed = parse_duration(value)  # "7.5", "1:30", "45m": within a day
        if parsed is None:
            return None
        minutes = parsed
    return minutes if minutes > 0 else None


class HoursField(forms.CharField):
    def clean(self, value: Any) -> int:
        minutes = parse_hours(super().clean(value))
        if minutes is None:
            raise ValidationError(
                _("Type a number of hours such as 10, 10h or 7h30."), code="hours"
            )
        return minutes


class HourPackForm(forms.Form):
    minutes = HoursField(
        label=_("Hours"), max_length=12, widget=forms.TextInput(attrs={"placeholder": "10h"})
    )
    price = forms.DecimalField(
        label=_("Price"), max_digits=12, decimal_places=2, min_value=Decimal(0)
    )
    sold_on = forms.DateField(
        label=_("Sold on"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        help_text=_("Empty: the hours never expire."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    bill = forms.BooleanField(
        label=_("Bill the pack on the next invoice"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sold, expires = cleaned.get("sold_on"), cleaned.get("expires_on")
        if sold and expires and expires < sold:
            self.add_error("expires_on", _("A pack cannot expire before it is sold."))
        return cleaned
