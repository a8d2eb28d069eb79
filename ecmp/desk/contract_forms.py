"""The desk's contract form: a version's terms, its targets per priority (in business
hours), its own opening hours and its rates per kind of work. It validates; the
services (sla/contracts.py through billing/contract_rates.py) write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecmp.billing.activity_names import activity_label
from ecmp.billing.models import ActivityType
from ecmp.desk.forms import BusinessHoursForm
from ecmp.sla.contracts import ContractTerms, billing_emails_clean, vat_number_clean
from ecmp.sla.priorities import Priority

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _minutes(hours: Decimal) -> int:
    return max(1, int((hours * 60).to_integral_value()))


class ContractForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=60, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Empty: until a new version replaces it."),
    )
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365, initial=30
    )
    billing_emails = forms.CharField(
        label=_("Billing contacts"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Email addresses, separated by commas or one per line."),
    )
    billing_address = forms.CharField(
        label=_("Billing address"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    vat_number = forms.CharField(
        label=_("VAT number"),
        required=False,
        max_length=30,
        help_text=_("With its country code, for example BE0403170701."),
    )
    reverse_charge = forms.BooleanField(
        label=_("EU reverse charge (the client pays the VAT in its own country)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for priority in reversed(Priority.values):
            for kind, label in (
                ("first", _("First response (business hours)")),
                ("resolution", _("Resolution (business hours)")),
            ):
                self.fields[f"{kind}_{priority}"] = forms.DecimalField(
                    label=label,
                    required=False,
                    min_value=Decimal("0.25"),
                    max_value=Decimal(100000),
                    decimal_places=2,
                )
        self.activities = list(ActivityType.objects.filter(active=True).order_by("name"))
        for activity in self.activities:
            self.fields[f"rate_{activity.pk}"] = forms.DecimalField(
                label=activity_label(activity.name),
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
            )

    def clean_vat_number(self) -> str:
        return vat_number_clean(self.cleaned_data.get("vat_number", ""))

    def clean_billing_emails(self) -> str:
        return billing_emails_clean(self.cleaned_data.get("billing_emails", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The contract cannot end before it starts."))
        no_vat = not cleaned.get("vat_number") and "vat_number" not in self.errors
        if cleaned.get("reverse_charge") and no_vat:
            self.add_error("reverse_charge", _("EU reverse charge needs the client's VAT number."))
        for priority in Priority.values:
            first, resolution = (
                cleaned.get(f"first_{priority}"),
                cleaned.get(f"resolution_{priority}"),
            )
            if (first is None) != (resolution is None) and not self.errors.get(f"first_{priority}"):
                self.add_error(
                    f"resolution_{priority}",
                    _("%(priority)s: give both targets, or neither for the default ones.")
                    % {"priority": Priority(priority).label},
                )
            elif first is not None and resolution is not None and resolution < first:
                self.add_error(
                    f"resolution_{priority}",
                    _(
                        "%(priority)s: the resolution target cannot be shorter than the "
                        "first response target."
                    )
                    % {"priority": Priority(priority).label},
                )
        return cleaned

    def target_rows(self) -> list[tuple[str | Promise, forms.BoundField, forms.BoundField]]:
        return [
            (Priority(p).label, self[f"first_{p}"], self[f"resolution_{p}"])
            for p in reversed(Priority.values)
        ]

    def rate_fields(self) -> list[forms.BoundField]:
        return [self[f"rate_{activity.pk}"] for activity in self.activities]

    def terms(self, hours: BusinessHoursForm) -> ContractTerms:
        data = self.cleaned_data
        targets = {
            p: (_minutes(data[f"first_{p}"]), _minutes(data[f"resolution_{p}"]))
            for p in Priority.values
            if data.get(f"first_{p}") is not None and data.get(f"resolution_{p}") is not None
        }
        return ContractTerms(
            reference=data["reference"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            payment_terms_days=data["payment_terms_days"],
            billing_emails=data["billing_emails"],
            billing_address=data["billing_address"],
            vat_number=data["vat_number"],
            reverse_charge=data["reverse_charge"],
            targets=targets,
            hours=hours.hours(),
        )

    def rates(self) -> dict[int, Decimal]:
        return {
            activity.pk: self.cleaned_data[f"rate_{activity.pk}"]
            for activity in self.activities
            if self.cleaned_data.get(f"rate_{activity.pk}") is not None
        }

    def refuse(self, error: ValidationError) -> None:
        """A service's refusal, at its field when the form has one."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


def hours_form(data: Any = None) -> BusinessHoursForm:
    return BusinessHoursForm(data, prefix="hours")
