from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import Organization
from ecmp.billing.activity_names import activity_label
from ecmp.billing.duration import parse_duration
from ecmp.billing.identifiers import bic_clean, company_number_clean, iban_clean, vat_number_clean
from ecmp.billing.issuer import ISSUER_FIELDS, logo_check
from ecmp.billing.models import ActivityType, BillingProfile, IssuerProfile


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
        widget.choices = [(value, activity_label(label)) for value, label in widget.choices]


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


class IssuerProfileForm(forms.ModelForm):
    """The issuer's details; the numbers are checked here and again by the service."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG image, at most 512 KB; drawn on the invoices issued from now."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = IssuerProfile
        fields = list(ISSUER_FIELDS)
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_name"].required = True

    def clean_vat_number(self) -> str:
        return vat_number_clean(self.cleaned_data["vat_number"])

    def clean_company_number(self) -> str:
        return company_number_clean(self.cleaned_data["company_number"])

    def clean_iban(self) -> str:
        return iban_clean(self.cleaned_data["iban"])

    def clean_bic(self) -> str:
        return bic_clean(self.cleaned_data["bic"])

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo:
            logo_check(logo)
        return logo


class ChargeForm(forms.Form):
    """A free line for a client's next invoice."""

    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), widget=forms.HiddenInput
    )
    day = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=12, decimal_places=2)
    vat_rate = forms.DecimalField(
        label=_("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
