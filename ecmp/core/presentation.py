"""What the pages' templates call (config/jinja.py makes them globals): form
widgets with Bootstrap's classes, dates, memoized links."""

import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import cast

from django import forms
from django.template.defaultfilters import truncatechars
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone, translation


def widget(field: forms.BoundField) -> str:
    """A form field's widget, rendered by Django's widget templates, with Bootstrap's
    classes and its errors announced; a hidden field as `{{ field }}` writes it."""
    if field.is_hidden:
        return str(field)  # with its second, "initial-" input when it has one
    input_type = getattr(field.field.widget, "input_type", "")
    if isinstance(field.field.widget, forms.Select):
        css = "form-select"
    elif input_type == "checkbox":
        css = "form-check-input"
    else:
        css = "form-control"
    attrs: dict[str, str | bool] = {"class": css + (" is-invalid" if field.errors else "")}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-errors"
    return field.as_widget(attrs=attrs)


def choices_of(field: forms.BoundField, choices=None) -> list[tuple[str, str, bool]]:
    """A select's options as (value, label, selected), the current value selected;
    includes/ui.html's `options` macro writes them.

    `choices` (value, label) pairs, when the field is not a ChoiceField (the desk's
    organization filter, whose clients are read in one query)."""
    current = "" if field.value() is None else str(field.value())
    if choices is None:  # then the field is a ChoiceField
        choices = cast(forms.ChoiceField, field.field).choices
    return [
        (value, text, value == current)
        for value, text in (
            ("" if choice is None else str(getattr(choice, "value", choice)), text)
            for choice, text in choices
        )
    ]


# Lists and threads show dozens of dates and links per page, and Django's `date`
# filter and `{% url %}` cost tens of microseconds each. Both results depend only
# on their inputs and the request's language, time zone and script prefix, so
# they are memoized per process (bounded, so memory stays flat).


@lru_cache(maxsize=8192)
def instant_in(value: datetime, language: str, zone: str) -> tuple[str, str]:
    """`instant`, the language and the time zone given (read once per list)."""
    local = timezone.localtime(value)
    return dateformat.format(local, "c"), formats.date_format(local, "SHORT_DATETIME_FORMAT")


def instant(value: datetime) -> tuple[str, str]:
    """A `<time>` element's two strings: the instant for machines (its `datetime`
    attribute), the short local date for people (its text); memoized."""
    return instant_in(value, translation.get_language(), timezone.get_current_timezone_name())


def when(value: datetime | None, css: str = "") -> dict:
    """A `<time>` element (includes/when.html): the instant for machines, the short
    local date for people; nothing for no date. Long lists write the element inline
    from `instant`'s strings, computed once per row."""
    if value is None:
        return {}
    machine, person = instant(value)
    return {"machine": machine, "person": person, "css": css}


@lru_cache(maxsize=8192)
def link_in(view: str, args: tuple, prefix: str, urlconf: str | None) -> str:
    """`link`, the script prefix and the urlconf given (read once per list)."""
    return reverse(view, args=args, urlconf=urlconf)


def link(view: str, *args) -> str:
    """`{% url %}` for the rows of long lists, memoized (see above)."""
    return link_in(view, args, get_script_prefix(), get_urlconf())


def short(text: str, length: int) -> str:
    """Django's `truncatechars`: a text no longer than `length` and already in NFC
    comes back as it is (what Truncator gives it), without Truncator's work."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, length)
