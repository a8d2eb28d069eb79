"""Forms for categories: the admins' list, and an agent's choice on a ticket."""

from __future__ import annotations

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
