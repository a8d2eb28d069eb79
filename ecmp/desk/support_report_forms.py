"""The support reports' period: from, to (days included), and maybe one client."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import Organization
from ecmp.tickets.reports import ReportPeriod

# Two years of figures at most in one page: longer reads are for an export of the data.
LONGEST_DAYS = 731


def this_month() -> tuple[date, date]:
    today = timezone.localdate()
    return today.replace(day=1), today


def last_month() -> tuple[date, date]:
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class PeriodForm(forms.Form):
    """From, to (days included), two years at most; without them in the query, the
    `default_period`. The support reports' and the billing reports' (desk)."""

    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    @staticmethod
    def default_period() -> tuple[date, date]:
        return this_month()

    def __init__(self, data: Any = None) -> None:
        start, end = self.default_period()
        values = dict(data.items()) if data else {}
        values.setdefault("start", start.isoformat())
        values.setdefault("end", end.isoformat())
        super().__init__(values)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise ValidationError(_("The end of the period is before its start."))
            if (end - start).days >= LONGEST_DAYS:
                raise ValidationError(_("Choose a period of two years at most."))
        return cleaned


class SupportReportForm(PeriodForm):
    """Without `start` and `end` in the query: the current month, to today."""

    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("All organizations"),
    )

    def period(self) -> ReportPeriod:
        data = self.cleaned_data
        return ReportPeriod(data["start"], data["end"], data.get("organization"))
