"""Forms for categories: the admins' list, and an agent's choice on a ticket."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecmp.desk.forms import VersionedForm
from ecmp.tickets.forms import CategoryChoiceField
from ecmp.tickets.services.categories import NAME_MAX


class CategoryForm(forms.Form):
    name_en = forms.CharField(label=_("Name in English"), max_length=NAME_MAX)
    name_fr = forms.CharField(label=_("Name in French"), max_length=NAME_MAX)


class TicketCategoryForm(VersionedForm):
    category = CategoryChoiceField(empty_label=_("No category"))

    def __init__(
        self, *args: Any, choices: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        """`choices`: the active categories as (id, label) when read already
        (tickets/category_choices.py); the field reads them otherwise."""
        super().__init__(*args, **kwargs)
        if choices is not None:
            field = self.fields["category"]
            field.widget.choices = [("", field.empty_label), *choices]  # type: ignore[attr-defined]
