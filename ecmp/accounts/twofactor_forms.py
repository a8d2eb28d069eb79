"""The second factor's forms: they read the code typed, the services judge it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class CodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=24,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "autofocus": True,
                    "autocapitalize": "off",
                    "spellcheck": "false",
                }
            ),
            **kwargs,
        )


class EnrolForm(forms.Form):
    code = CodeField(
        label=_("Code shown by the app"),
        help_text=_("Six digits; the app shows a new one every 30 seconds."),
    )


class VerifyForm(forms.Form):
    code = CodeField(
        label=_("Code"),
        help_text=_("Six digits from your authenticator app, or one of your backup codes."),
    )
    remember = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = settings.ECMP_2FA_REMEMBER_DAYS
        self.fields["remember"].label = ngettext(
            "Remember this browser for %(days)d day",
            "Remember this browser for %(days)d days",
            days,
        ) % {"days": days}


class ResetForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=400)
