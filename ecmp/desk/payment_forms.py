"""Forms of an invoice's payments: one recorded by hand, a bank statement's file."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.billing.statements import MAX_BYTES


class PaymentForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)


class StatementForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def clean_file(self) -> str:
        """The file's text: UTF-8 (with or without its mark), else Latin-1, as banks'
        exports are one or the other."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(size)s MB)."),
                params={"size": MAX_BYTES // 2**20},
            )
        raw = upload.read()
        if b"\x00" in raw:
            raise forms.ValidationError(_("This is not a text file."))
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
