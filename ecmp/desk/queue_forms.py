"""The queue's bulk bar and saved views: forms that validate; the services write."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import STAFF_ROLES, User
from ecmp.accounts.selectors import staff_choices
from ecmp.core.ids import MAX_ID
from ecmp.desk.forms import QueueFilterForm
from ecmp.tickets.forms import CategoryChoiceField
from ecmp.tickets.selectors import DESK_DEFAULT_SORT, parse_number
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


# --- The queue's filters, as every view of the queue reads them ----------------------
# QueueFilterForm validates them; building it (its fields copied, their choices read)
# and rendering it field by field cost the queue about 1.5 ms a view. The usual query
# strings (known values, ids in ASCII digits) are read here with the form's rules;
# anything else goes to the form (tests/test_queue_speed_reads.py compares them).

_CHOSEN = ("queue", "status", "priority", "channel", "waiting", "sort")
_IDS = ("organization", "category")
_SEARCH_MAX = 200  # QueueFilterForm.q's max_length


def _choices(field: forms.Field) -> list[tuple[Any, Any]]:
    return list(cast(forms.ChoiceField, field).choices)  # type: ignore[arg-type]  # plain pairs


@lru_cache(maxsize=1)
def _allowed() -> dict[str, frozenset[str]]:
    fields = QueueFilterForm.base_fields
    return {
        name: frozenset(str(value) for value, _label in _choices(fields[name])) for name in _CHOSEN
    }


def queue_filters(query: QueryDict, agents: Sequence[tuple[int, str]]) -> dict[str, Any] | None:
    """`QueueFilterForm(query).filters()` for a query of known values, else None (then
    ask the form). `agents`: the support team's (id, name), the assignee's choices."""
    data: dict[str, Any] = {}
    for name, allowed in _allowed().items():
        value = query.get(name) or ""
        if value and value not in allowed:
            return None
        data[name] = value
    assignee = query.get("assignee") or ""
    if assignee not in ("", "none") and all(str(pk) != assignee for pk, _name in agents):
        return None
    for name in _IDS:
        value = query.get(name) or ""
        if value and not (value.isascii() and value.isdecimal() and 0 < int(value) <= MAX_ID):
            return None
        data[name] = int(value) if value else None
    text = (query.get("q") or "").strip()
    if len(text) > _SEARCH_MAX or "\x00" in text:
        return None
    return {
        "queue": data["queue"] or "open",
        "status": data["status"],
        "priority": int(data["priority"]) if data["priority"] else None,
        "organization_id": data["organization"],
        "assignee": assignee,
        "channel": data["channel"],
        "category_id": data["category"],
        "waiting": data["waiting"],
        "text": text,
        "sort": data["sort"] or DESK_DEFAULT_SORT,
    }


# The filter bar's fields in the form's order (queue and sort are hidden inputs).
_BAR = ("status", "priority", "organization", "assignee", "channel", "category", "waiting", "q")


@lru_cache(maxsize=8)
def _fixed(language: str | None) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """The fields' labels and the options of the selects whose choices are code, in
    `language` (memoized per language: code and translations only)."""
    fields = QueueFilterForm.base_fields
    labels = {name: str(fields[name].label) for name in _BAR}
    # The organization's box, empty: "Any organization" in it, greyed.
    labels["any_organization"] = str(QueueFilterForm.ANY_ORGANIZATION[1])
    options = {
        name: [(str(value), str(label)) for value, label in _choices(fields[name])]
        for name in ("status", "priority", "channel", "waiting")
    }
    options["assignee"] = [(value, str(label)) for value, label in QueueFilterForm.ANY_ASSIGNEE]
    options["category"] = [("", str(QueueFilterForm.ANY_CATEGORY[1]))]
    # The bulk bar's priorities: the filter's but "Any priority".
    options["bulk_priority"] = [(value, label) for value, label in options["priority"] if value]
    return labels, options


def _canonical_id(text: str) -> bool:
    # An id as str(id) writes it: ASCII digits, no leading zero (int() would read more).
    return 0 < len(text) <= 19 and text.isascii() and text.isdecimal() and text[0] != "0"


def chosen_organization_id(query: QueryDict) -> int | None:
    """The organization the filter bar shows as chosen: the query's id as str(id)
    writes it (as the select it replaced chose its option: "007" chooses none)."""
    current = query.get("organization") or ""
    return int(current) if _canonical_id(current) and int(current) <= MAX_ID else None


def queue_filter_bar(
    query: QueryDict,
    agents: Sequence[tuple[int, str]],
    organization: tuple[int, str] | None,
    categories: Sequence[tuple[int, str, bool]],
) -> dict[str, Any]:
    """What desk/queue.html writes of the filters: each field's name, id, label and
    options as (value, text, selected) — the value the query gives selected, as
    Django's select does —, the organization chosen (`organization`: its id and name,
    or None; its field has no options: an autocomplete finds the others), and the
    bulk bar's choices. Plain values; no markup."""
    labels, fixed = _fixed(get_language())
    read = {
        "assignee": agents,
        "category": [(pk, label) for pk, label, _active in categories],
    }
    fields = []
    for name in _BAR:
        current = query.get(name) or ""
        options: list[tuple[Any, str, bool]] = []
        if name not in ("q", "organization"):
            options = [(value, text, value == current) for value, text in fixed.get(name, ())]
            # The ids, compared as text as Django's select compares them (once per
            # list, not per option: "007" or "٣" choose none).
            chosen = int(current) if _canonical_id(current) else None
            options += [(pk, text, pk == chosen) for pk, text in read.get(name, ())]
        fields.append({"name": name, "id": f"id_{name}", "label": labels[name], "options": options})
    return {
        "fields": fields,
        "organization": organization or ("", ""),
        "any_organization": labels["any_organization"],
        "agents": agents,
        "priorities": fixed["bulk_priority"],
        "categories": [(pk, label) for pk, label, active in categories if active],
    }
