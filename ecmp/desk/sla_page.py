"""The service levels page's inputs as plain values (jinja2/desk/_sla_inputs.html writes
them with the markup Django's widgets write, tested): the page shows 29 of them, and
Django's widget templates cost it about 3 ms."""

from __future__ import annotations

from typing import NamedTuple

from django import forms


class PlainInput(NamedTuple):
    name: str
    id: str
    value: str | None  # None writes no value attribute
    attrs: tuple[tuple[str, str], ...]  # the widget's own (min, max, step), in order
    errors: list[str]
    checked: bool
    required: bool
    label: str


def plain_input(field: forms.BoundField) -> PlainInput:
    """A text-like or checkbox field's input as Django's `as_widget` writes it."""
    widget = field.field.widget
    raw = field.value()
    if isinstance(widget, forms.CheckboxInput):
        checked = widget.check_test(raw)
        value = widget.format_value(raw)
    else:
        checked, value = False, widget.format_value(raw)
    attrs = tuple((key, str(v)) for key, v in widget.attrs.items())
    errors = [str(error) for error in field.errors]
    required = widget.use_required_attribute(field.initial) and field.field.required
    return PlainInput(
        field.html_name, field.auto_id, value, attrs, errors, checked, required, str(field.label)
    )


def target_rows(targets: list) -> list[tuple]:
    """(label, priority, first response input, resolution input) per priority."""
    return [
        (
            label,
            priority,
            plain_input(form["first_response_hours"]),
            plain_input(form["resolution_hours"]),
        )
        for label, priority, form in targets
    ]


def hours_rows(form: forms.Form) -> list[tuple]:
    """(day, open checkbox, opens, closes) per weekday."""
    return [
        (day, plain_input(is_open), plain_input(opens), plain_input(closes))
        for day, is_open, opens, closes in form.days()  # type: ignore[attr-defined]
    ]


def holiday_inputs(form: forms.Form) -> dict[str, PlainInput]:
    """The holiday form's day and name."""
    return {"day": plain_input(form["day"]), "name": plain_input(form["name"])}
