"""The confirmation an admin gives before erasing a person."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonEraseForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the person's email address to confirm"), max_length=254
    )
    delete_files = forms.BooleanField(
        label=_("Also delete the files they uploaded"), required=False
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip().lower()
        if typed != self.email.lower():
            raise forms.ValidationError(_("This is not the person's email address."))
        return typed
