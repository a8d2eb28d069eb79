"""Forms validate input; the services do the writing."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import Organization, Role, User
from ecmp.core.access import is_admin


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.CharField(
        label=_("Login or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "The login or email address and the password do not match an active account."
        ),
        "inactive": _("This account is inactive."),
        "slowed_down": _(
            "Too many wrong passwords were tried for this account from several places. "
            "To protect it, try again in %(seconds)s seconds, or use the link we emailed "
            "to its owner."
        ),
    }

    def get_invalid_login_error(self) -> ValidationError:
        wait = getattr(self.request, "signin_wait_seconds", 0)
        if wait:
            return ValidationError(
                self.error_messages["slowed_down"], code="slowed_down", params={"seconds": wait}
            )
        return super().get_invalid_login_error()


class ActivationForm(forms.Form):
    """The page behind "To the portal": a password twice and "Send"."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            try:
                validate_password(password1, self.user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PasswordResetRequestForm(forms.Form):
    """The address to send a reset link to; whether it is anyone's is not checked here
    (the worker looks, so every answer is the same)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), max_length=254)


class RegistrationRequestForm(PersonForm):
    note = forms.CharField(
        label=_("Note for the support team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(PersonForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.filter(active=True),
        required=False,
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CUSTOMER)
    is_team_manager = forms.BooleanField(label=_("Team manager"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def __init__(self, *args: Any, inviter: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_admin(inviter):
            # Only admins register support staff.
            cast(forms.ChoiceField, self.fields["role"]).choices = [
                (Role.CUSTOMER.value, Role.CUSTOMER.label)
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.CUSTOMER and not cleaned.get("organization"):
            self.add_error("organization", _("A client user needs an organization."))
        return cleaned


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
