"""The queue's bulk bar and saved views: forms that validate; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import STAFF_ROLES, User
from ecmp.accounts.selectors import staff_choices
from ecmp.desk.forms import QueueFilterForm
from ecmp.tickets.forms import CategoryChoiceField
from ecmp.tickets.selectors import parse_number
from ecmp.tickets.services.bulk import Selected
from ecmp.tickets.services.saved_views import NAME_MAX
from ecmp.tickets.status import Priority

BULK_ACTIONS = ("accept", "assign", "priority", "category", "close")


def selected_tickets(data: QueryDict) -> list[Selected]:
    """The ticked rows ("number:version"), or every row of the page when "all" is
    ticked; what is not a number is left out (the service reports unknown numbers)."""
    values = data.getlist("shown") if data.get("all") else data.getlist("ticket")
    selected = []
    for value in values[:1000]:  # the service refuses more than its cap anyway
        number_text, _sep, version_text = str(value).partition(":")
        number = parse_number(number_text)
        if number is not None:
            selected.append(Selected(number, parse_number(version_text)))
    return selected


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in BULK_ACTIONS])
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label=_("Reason (internal)"), required=False, max_length=2000)
    category = CategoryChoiceField(empty_label=_("No category"))
    note = forms.CharField(
        label=_("Resolution note (sent to the customer, optional)"),
        required=False,
        max_length=100_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Nobody")),
            *staff_choices(),
        ]

    def clean_assignee(self) -> User | None:
        pk = self.cleaned_data["assignee"]
        if pk is None:
            return None
        agent = User.objects.filter(pk=pk, role__in=STAFF_ROLES, is_active=True).first()
        if agent is None:
            raise forms.ValidationError(_("Choose an agent."))
        return agent

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "priority" and cleaned.get("priority") is None:
            self.add_error("priority", _("Choose a priority."))
        if action == "priority" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the change."))
        return cleaned


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    # The queue's query string as the page had it; cleaned by the queue's own form.
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_query(self) -> str:
        return QueueFilterForm(QueryDict(self.cleaned_data.get("query") or "")).saved_query()


class SavedViewRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
