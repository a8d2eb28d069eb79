"""The desk ticket page's forms as its template writes them: plain values per field.

The page shows ten forms on every view (where agents spend their day). Building
them as Django forms (a deep copy of each form's fields) and writing their widgets
through Django's widget templates cost the page about 1.5 ms; a view (GET) now
builds each field's values from the ticket alone, and a form that comes back with
errors (POST) is read from the bound form, so that desk/ticket_detail.html writes
both the same way, with Django's markup (tested against `core.presentation.widget`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from django import forms
from django.forms.utils import pretty_name
from django.utils.translation import get_language

from ecmp.accounts.models import User
from ecmp.billing.activity_choices import ActivityChoice
from ecmp.desk.category_forms import TicketCategoryForm
from ecmp.desk.forms import (
    AssignForm,
    CloseForm,
    ComposerForm,
    PriorityForm,
    activity_setup,
    assignee_choices,
)
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Priority


class FieldView(NamedTuple):
    """What a field's markup needs: its name, id, label, the value its widget shows
    (None: none), its errors and, for a select or radios, its options as (value,
    label, selected)."""

    name: str
    id: str
    label: str
    value: Any
    errors: Sequence[str] = ()
    options: list[tuple[str, str, bool]] | None = None
    help_text: str = ""


# A form's fields as attributes (Jinja2 reads an attribute first: a dict's key
# costs it a failed attribute read); `errors`: the form's own (non-field) errors.
FormView = SimpleNamespace


def options(pairs: Iterable[tuple[Any, Any]], current: Any) -> list[tuple[str, str, bool]]:
    """(value, label, selected) as Django's select writes them: values as text, the
    first one equal to the current value selected."""
    chosen = "" if current is None else str(current)
    rows, found = [], False
    for value, label in pairs:
        text = "" if value is None else str(getattr(value, "value", value))
        selected = not found and text == chosen
        found = found or selected
        rows.append((text, str(label), selected))
    return rows


def _plain(form: type[forms.Form], name: str, value: Any, pairs: Any = None) -> FieldView:
    label, help_text = _words(form, name, get_language())
    return FieldView(
        name,
        f"id_{name}",
        label,
        value,
        (),
        None if pairs is None else options(pairs, value),
        help_text,
    )


@lru_cache(maxsize=128)
def _words(form: type[forms.Form], name: str, language: str | None) -> tuple[str, str]:
    # A field's label and help text: its form class's (declared once for the process),
    # in `language`: a pure function of the three, memoized (each view shows 16 fields).
    field = form.base_fields[name]
    label = str(pretty_name(name) if field.label is None else field.label)
    return label, str(field.help_text or "")


# Choices fixed for the process (a field's declared ones, an enumeration's), never
# ones read from the database: their words are memoized per language (`_fixed`).
_FIXED_CHOICES: dict[str, Any] = {
    "kind": ComposerForm.base_fields["kind"].choices,  # type: ignore[attr-defined]
    "priority": Priority.choices,
}


@lru_cache(maxsize=32)
def _fixed_options(choices: str, language: str | None) -> tuple[tuple[str, str], ...]:
    # The (value, label) text of _FIXED_CHOICES[choices] in `language`: a pure function.
    return tuple((text, label) for text, label, _ in options(_FIXED_CHOICES[choices], None))


def _fixed(choices: str, value: Any) -> list[tuple[str, str, bool]]:
    """`options(_FIXED_CHOICES[choices], value)`, the words memoized per language."""
    chosen = "" if value is None else str(value)
    rows, found = [], False
    for text, label in _fixed_options(choices, get_language()):
        selected = not found and text == chosen
        found = found or selected
        rows.append((text, label, selected))
    return rows


def _bound(form: forms.Form, name: str) -> FieldView:
    bound = form[name]
    value = bound.value()
    pairs = None
    if isinstance(bound.field, forms.ChoiceField):
        pairs = bound.field.widget.choices  # the activities' are set on the widget
    return FieldView(
        bound.html_name,
        bound.auto_id,
        str(bound.label),
        value,
        [str(error) for error in bound.errors],
        None if pairs is None else options(pairs, value),
        str(bound.help_text or ""),
    )


def _of(form: forms.Form) -> FormView:
    fields = {name: _bound(form, name) for name in form.fields}
    return SimpleNamespace(**fields, errors=list(form.non_field_errors()))


def composer_view(
    ticket: Ticket,
    activities: Sequence[ActivityChoice] | None = None,
    last_activity: int | None = None,
    form: ComposerForm | None = None,
) -> FormView:
    """The composer: from the bound `form`, or a new one (`activities` and the
    agent's `last_activity`, billing/activity_choices.py)."""
    if form is not None:
        view = _of(form)
        view.billable_activities = form.fields["activity_type"].widget.attrs[
            "data-billable-activities"
        ]
        return view
    choices, billable, chosen, billable_default = activity_setup(activities or [], last_activity)
    kinds = ComposerForm.base_fields["kind"]
    return SimpleNamespace(
        version=_plain(ComposerForm, "version", ticket.version),
        kind=_plain(ComposerForm, "kind", kinds.initial)._replace(
            options=_fixed("kind", kinds.initial)
        ),
        body=_plain(ComposerForm, "body", None),
        files=_plain(ComposerForm, "files", None),
        time=_plain(ComposerForm, "time", None),
        activity_type=_plain(ComposerForm, "activity_type", chosen, choices),
        billable=_plain(ComposerForm, "billable", billable_default),
        billable_activities=billable,
        errors=[],
    )


def close_view(ticket: Ticket, form: CloseForm | None = None) -> FormView:
    if form is not None:
        return _of(form)
    return SimpleNamespace(
        version=_plain(CloseForm, "version", ticket.version),
        note=_plain(CloseForm, "note", None),
    )


def priority_view(ticket: Ticket, form: PriorityForm | None = None) -> FormView:
    if form is not None:
        return _of(form)
    return SimpleNamespace(
        version=_plain(PriorityForm, "version", ticket.version),
        priority=_plain(PriorityForm, "priority", ticket.priority)._replace(
            options=_fixed("priority", ticket.priority)
        ),
        reason=_plain(PriorityForm, "reason", None),
    )


def assign_view(ticket: Ticket, current: User | None) -> FormView:
    return SimpleNamespace(
        version=_plain(AssignForm, "version", ticket.version),
        assignee=_plain(AssignForm, "assignee", ticket.assignee_id, assignee_choices(current)),
    )


def category_view(ticket: Ticket, categories: Sequence[tuple[int, str]]) -> FormView:
    """The category select: `categories`, the active ones as (id, label)."""
    empty = TicketCategoryForm.base_fields["category"].empty_label  # type: ignore[attr-defined]
    return SimpleNamespace(
        version=_plain(TicketCategoryForm, "version", ticket.version),
        category=_plain(
            TicketCategoryForm, "category", ticket.category_id, [("", empty), *categories]
        ),
    )
