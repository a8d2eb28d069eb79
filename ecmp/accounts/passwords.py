"""The password rules of the activation page, as Django password validators.

Each rule fails with its own message, so the user sees exactly which ones
are missing. Length, similarity and common passwords use Django's own
validators (see AUTH_PASSWORD_VALIDATORS).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class _PatternValidator:
    pattern: re.Pattern[str]
    code: str

    def message(self) -> str:
        raise NotImplementedError

    def validate(self, password: str, user: Any = None) -> None:
        if not self.pattern.search(password):
            raise ValidationError(self.message(), code=self.code)

    def get_help_text(self) -> str:
        return self.message()


class LowercaseValidator(_PatternValidator):
    pattern = re.compile(r"[a-z\u00df-\u00f6\u00f8-\u00ff]")
    code = "password_no_lower"

    def message(self) -> str:
        return _("Your password must contain at least one lowercase letter.")


class UppercaseValidator(_PatternValidator):
    pattern = re.compile(r"[A-Z\u00c0-\u00d6\u00d8-\u00de]")
    code = "password_no_upper"

    def message(self) -> str:
        return _("Your password must contain at least one uppercase letter.")


class DigitValidator(_PatternValidator):
    pattern = re.compile(r"\d")
    code = "password_no_digit"

    def message(self) -> str:
        return _("Your password must contain at least one digit.")


class SpecialCharacterValidator(_PatternValidator):
    # Anything that is neither a letter, a digit nor white space counts.
    pattern = re.compile(r"[^\w\s]|_")
    code = "password_no_special"

    def message(self) -> str:
        return _("Your password must contain at least one special character, such as ! ? # or %.")
