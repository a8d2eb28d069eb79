from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import Organization
from ecmp.billing.duration import parse_duration
from ecmp.billing.models import ActivityType, BillingProfile


class DurationField(forms.CharField):
    """Minutes, from 15m, 1h30, 1.5 or 1:30; None when left empty and not required."""

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text and not self.required:
            return None
        minutes = parse_duration(text)
        if minutes is None:
            raise ValidationError(
                _("Type a duration such as 15m, 1h30, 1.5 or 1:30 (at most 24 hours)."),
                code="duration",
            )
        return minutes


class TimeEntryForm(forms.Form):
    day = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duration = DurationField(
        label=_("Duration"), max_length=12, widget=forms.TextInput(attrs={"placeholder": "1h30"})
    )
    activity_type = forms.ModelChoiceField(
        label=_("Activity"),
        queryset=ActivityType.objects.filter(active=True).order_by("-billable_by_default", "name"),
        empty_label=None,
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The activities read once: a select reads its choices again for its first
        # one (Select.use_required_attribute), which a queryset answers with a query.
        # (A comprehension, not list(): list() asks the iterator's len(), a count.)
        widget = self.fields["activity_type"].widget
        widget.choices = [choice for choice in widget.choices]


class BillingProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = ["hourly_rate", "rounding_minutes", "currency", "vat_rate", "show_time_to_users"]

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise ValidationError(_("A currency is a three-letter code such as EUR."))
        return currency


class InvoicePeriodForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.all()
    )
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            raise ValidationError(_("The period ends before it starts."))
        return cleaned


class ReportPeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
