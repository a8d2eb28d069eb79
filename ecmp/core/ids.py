"""Row ids from outside (URLs, query strings, forms, task arguments), bounded.

Django's `<int:…>` converter and `forms.IntegerField` take a number of any
length; a foreign-key or `__in` lookup with a value past the 64-bit range then
fails inside the database driver (SQLite: OverflowError, a 500; a worker task:
a failed task). Every id that comes from outside goes through here first, so
an id no row can have is simply not found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, TypeGuard

from django import forms
from django.urls import register_converter
from django.urls.converters import get_converters

logger = logging.getLogger(__name__)

# The largest value of a BigAutoField (and of SQLite's INTEGER).
MAX_ID = 2**63 - 1


def is_id(value: object) -> TypeGuard[int]:
    """Whether a row could have this id: a positive integer in the 64-bit range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(text: str | None) -> int | None:
    """An id written in ASCII digits, or None (non-digits, zero, negative, too large)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdecimal()):
        return None
    value = int(text)
    return value if is_id(value) else None


def possible_ids(values: Iterable[object], *, task: str) -> list[int]:
    """The values a row could have as id; the others are logged and dropped, so a
    task given an impossible id does nothing instead of failing."""
    values = list(values)
    kept = [value for value in values if is_id(value)]
    if len(kept) < len(values):
        logger.warning("%s: ignored %d impossible id(s)", task, len(values) - len(kept))
    return kept


class IdField(forms.IntegerField):
    """A form field for a row id: 1 to MAX_ID; anything else is invalid."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        # int() reads digits of other scripts (fullwidth twelve is 12): an id is ASCII digits.
        if isinstance(value, str) and not value.strip().isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdConverter:
    """`<id:pk>` in URL patterns: 1 to 19 digits within MAX_ID; anything longer or
    larger does not match, so the URL answers 404 before any view runs."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not is_id(number):
            # Tells the resolver this pattern does not match.
            raise ValueError(value)
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register_id_converter() -> None:
    """Make `<id:…>` available to URL patterns; every urls module calls it, the
    first registers (Django deprecates registering a name twice)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
