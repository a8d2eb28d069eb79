"""The invoices page's "New invoice" form as plain values (jinja2/desk/billing.html
writes them with Django's markup, tested against it): its organization select lists
every client, and Django's widget templates cost the page about 6 ms for 200 of them."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from ecmp.accounts.selectors import organization_choices
from ecmp.billing.forms import InvoicePeriodForm


class PeriodField(NamedTuple):
    name: str
    id: str
    label: str
    value: str | None  # None writes no value attribute (a bound "" writes value="")
    errors: list[str]
    options: list[tuple[str, str, bool]]  # a select's (value, text, selected)


def _options(current: str) -> list[tuple[str, str, bool]]:
    rows = [(str(pk), name, str(pk) == current) for pk, name in organization_choices()]
    return [("", "---------", current == ""), *rows]


def _field(form: InvoicePeriodForm | None, name: str, initial: str | None) -> PeriodField:
    label = str(InvoicePeriodForm.base_fields[name].label)
    if form is None:
        value, errors = initial, []
    else:
        raw = form[name].value()
        value = None if raw is None else str(raw)
        errors = [str(error) for error in form.errors.get(name, ())]
    options = _options(value or "") if name == "organization" else []
    return PeriodField(name, f"id_{name}", label, value, errors, options)


def draft_form_fields(
    form: InvoicePeriodForm | None, start: date | None = None, end: date | None = None
) -> dict:
    """The form's errors and fields: unbound (`form` None) from `start` and `end`, else
    from the submitted form (a refused draft's page)."""
    return {
        "errors": [] if form is None else [str(error) for error in form.non_field_errors()],
        "organization": _field(form, "organization", None),
        "start": _field(form, "start", start.isoformat() if start else None),
        "end": _field(form, "end", end.isoformat() if end else None),
    }
