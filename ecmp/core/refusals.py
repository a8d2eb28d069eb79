"""A service's refusal shown to the user.

Services raise ValidationError with messages written for the user. Where a form can
carry it, a view puts it on the form (`form.add_error(field, error)`); where the
page has no form to show again (a button's POST, then a redirect), it goes above
the page with this one helper, every message of the error on one line.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def refusal_to_messages(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))
