"""The desk's forms: they validate; the services write."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import STAFF_ROLES, Role, User
from ecmp.accounts.selectors import staff_choices
from ecmp.billing.activity_names import activity_label
from ecmp.billing.forms import DurationField
from ecmp.billing.models import ActivityType
from ecmp.core.ids import IdField
from ecmp.tickets.category_choices import category_choices_in_order
from ecmp.tickets.forms import CategoryChoiceField, MultipleFileField
from ecmp.tickets.selectors import DESK_DEFAULT_SORT, DESK_QUEUES, DESK_SORTS
from ecmp.tickets.services import SUBJECT_MAX
from ecmp.tickets.status import Channel, Priority, Status


class VersionedForm(forms.Form):
    """Carries the ticket version the agent saw, so a stale form is refused."""

    # No id: the ticket page holds several of these forms, and ids must not repeat.
    version = forms.IntegerField(
        widget=forms.HiddenInput(attrs={"id": False}), required=False, min_value=0
    )


class DeskReplyForm(VersionedForm):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    # A form field: the form metaclass moves it to base_fields, so self.files stays the uploads.
    files = MultipleFileField(label=_("Attach File"))  # type: ignore[assignment]  # see above
    internal = forms.BooleanField(required=False)


def activity_setup(
    activities: Sequence[tuple[int, str, bool]], last_activity: int | None
) -> tuple[list[tuple[int, str]], str, int | None, bool]:
    """The composer's activity select from the active `activities` (id, name, billable
    by default) and the agent's last one: its choices, the ids billable by default
    (ecmp.js ticks Billable as the agent changes the activity), the one chosen (the
    agent's last while still active, else the first) and whether Billable starts
    ticked."""
    choices = [(pk, activity_label(name)) for pk, name, _billable in activities]
    billable: dict[int | None, bool] = {pk: flag for pk, _name, flag in activities}
    ids = " ".join(str(pk) for pk, is_billable in billable.items() if is_billable)
    chosen = last_activity if last_activity in billable else next(iter(billable), None)
    return choices, ids, chosen, billable.get(chosen, True)


class ComposerForm(VersionedForm):
    """The ticket page's composer: a reply or an internal note, the time it took,
    then (the button) stay, Wait or Closed. billing/composer.py writes it."""

    kind = forms.ChoiceField(
        label=_("Write"),
        choices=[("reply", _("Public reply")), ("note", _("Internal note"))],
        initial="reply",
        required=False,  # a reply, unless the note is chosen
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=100_000,
    )
    # A form field: the form metaclass moves it to base_fields, so self.files stays the uploads.
    files = MultipleFileField(label=_("Attach File"))  # type: ignore[assignment]  # see above
    time = DurationField(
        label=_("Time spent"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"placeholder": "15m, 1h30, 1:30", "data-timer-field": ""}),
    )
    activity_type = forms.ModelChoiceField(
        label=_("Activity"),
        queryset=ActivityType.objects.filter(active=True).order_by("-billable_by_default", "name"),
        empty_label=None,
        required=False,  # with a time spent only
    )
    billable = forms.BooleanField(label=_("Billable"), required=False)
    # The old reply form's "Add internal note" (a page opened before an upgrade):
    # still a note, never a reply sent to the customer.
    internal = forms.BooleanField(required=False)
    then = forms.ChoiceField(
        # "ask": send, then wait for the customer's answer (a mark, not the Wait status).
        choices=[
            *[("", ""), (Status.WAIT, Status.WAIT), (Status.CLOSED, Status.CLOSED)],
            ("ask", "ask"),
        ],
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        activities: Sequence[tuple[int, str, bool]] | None = None,
        last_activity: int | None = None,
        **kwargs: Any,
    ) -> None:
        """`activities`: (id, name, billable by default) of the active ones, as
        billing/activity_choices.py reads them with `last_activity`, the agent's last
        used activity, chosen first when still active; read here when not given."""
        super().__init__(*args, **kwargs)
        widget = self.fields["activity_type"].widget
        if activities is None:  # read once (see TimeEntryForm)
            activities = [
                (value.value, label, value.instance.billable_by_default)
                for value, label in widget.choices
            ]
        widget.choices, billable, chosen, billable_default = activity_setup(
            activities, last_activity
        )
        widget.attrs["data-billable-activities"] = billable
        self.initial.setdefault("activity_type", chosen)
        self.initial.setdefault("billable", billable_default)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["kind"] = "note" if cleaned.get("internal") else cleaned.get("kind") or "reply"
        if cleaned.get("time") is not None and cleaned.get("activity_type") is None:
            self.add_error("activity_type", _("Choose the activity the time was spent on."))
        return cleaned


class CloseForm(VersionedForm):
    note = forms.CharField(
        label=_("Resolution note (sent to the customer, optional)"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def assignee_choices(current: User | None) -> list[tuple[Any, str]]:
    """Nobody, the active support team, and the ticket's `current` assignee when
    deactivated since (shown as such, not as "Nobody")."""
    choices: list[tuple[Any, str]] = [("", str(_("Nobody"))), *staff_choices()]
    if current is not None and all(pk != current.pk for pk, _name in choices[1:]):
        label = _("%(name)s (deactivated)") % {"name": current.get_full_name()}
        choices.append((current.pk, label))
    return choices


class AssignForm(VersionedForm):
    # Plain choices, read as (id, name): the ticket page shows this select on every
    # view, and a model per agent cost more than the rest of the form.
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, current: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = assignee_choices(current)

    def clean_assignee(self) -> User | None:
        pk = self.cleaned_data["assignee"]
        if pk is None:
            return None
        agent = User.objects.filter(pk=pk, role__in=STAFF_ROLES, is_active=True).first()
        if agent is None:  # deactivated since the page was shown
            raise forms.ValidationError(_("Choose an agent."))
        return agent


class PriorityForm(VersionedForm):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    reason = forms.CharField(
        label=_("Reason (internal)"), max_length=2000, widget=forms.TextInput()
    )


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(choices=[(q, q) for q in DESK_QUEUES], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Any priority")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    # An id: the queue's filter bar finds the client by name (an autocomplete,
    # desk/queue.html), not among every client.
    organization = IdField(label=_("Organization"), required=False)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    # An id, as the organization: `category_choices` holds (id, name) pairs.
    category = IdField(label=_("Category"), required=False)
    # Tickets waiting for the customer's answer (tickets/services/waiting.py), or the others.
    waiting = forms.ChoiceField(
        label=_("Customer's answer"),
        choices=[
            ("", _("Waiting or not")),
            ("yes", _("Waiting for the customer")),
            ("no", _("Not waiting")),
        ],
        required=False,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sort = forms.ChoiceField(
        choices=[(s, s) for key in DESK_SORTS for s in (key, f"-{key}")], required=False
    )

    # The first choices of the selects whose others are read (desk/queue_forms.py's
    # filter bar writes them too).
    ANY_ASSIGNEE = (("", _("Anyone")), ("none", _("Nobody")))
    ANY_ORGANIZATION = ("", _("Any organization"))
    ANY_CATEGORY = ("", _("Any category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agents = staff_choices()  # the filter's and the bulk bar's
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            *self.ANY_ASSIGNEE,
            *[(str(pk), name) for pk, name in self.agents],
        ]
        categories = category_choices_in_order()  # one read: the filter's and the bulk bar's
        self.category_choices = [self.ANY_CATEGORY, *[(pk, ln) for pk, ln, _a in categories]]
        self.active_categories = [(pk, label) for pk, label, active in categories if active]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "queue": data.get("queue") or "open",
            "status": data.get("status") or "",
            "priority": data.get("priority"),
            "organization_id": data.get("organization"),
            "assignee": data.get("assignee") or "",
            "channel": data.get("channel") or "",
            "category_id": data.get("category"),
            "waiting": data.get("waiting") or "",
            "text": data.get("q") or "",
            "sort": data.get("sort") or DESK_DEFAULT_SORT,
        }

    def saved_query(self) -> str:
        """The filters and sort as a query string, known keys with valid values only
        (a saved view stores it; unknown or invalid ones are dropped)."""
        if not self.is_bound:
            return ""
        self.is_valid()  # cleaned_data holds the fields that are valid
        kept = {
            name: value
            for name in self.fields
            if name not in self.errors and (value := self.cleaned_data.get(name)) not in (None, "")
        }
        return urlencode(kept)


class CallerTicketForm(forms.Form):
    """An agent opens a ticket for a client user: the requester is picked by id,
    from the people the picker found (`who`: what the agent typed)."""

    who = forms.CharField(
        label=_("Requester"),
        required=False,
        max_length=200,
        help_text=_("Type a name, email address, phone number or organization."),
    )
    requester = IdField(
        required=True,
        error_messages={
            "required": _("Choose the requester: search for them, then pick one in the list.")
        },
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
    # A form field: the form metaclass moves it to base_fields, so self.files stays the uploads.
    files = MultipleFileField(label=_("Attach File"))  # type: ignore[assignment]  # see above
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    category = CategoryChoiceField()
    acknowledge = forms.BooleanField(
        label=_("Send the customer the usual acknowledgement"), required=False, initial=True
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    contract_notes = forms.CharField(
        label=_("Contract notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    managers_see_all_tickets = forms.BooleanField(
        label=_("Team managers see all the company's tickets"), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonDetailsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    username = forms.CharField(
        label=_("Username"),
        max_length=60,
        required=False,
        help_text=_("Optional. Letters, digits and . _ - only."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        help_text=_("Optional. As the person gives it, e.g. +33 6 12 34 56 78."),
    )


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_team_manager = forms.BooleanField(label=_("Team manager"), required=False)


class SlaTargetForm(forms.Form):
    """Targets typed in hours (decimals allowed): 8 hours make one business day."""

    first_response_hours = forms.DecimalField(
        label=_("First response (business hours)"),
        min_value=Decimal("0.25"),
        max_value=Decimal(10000),
        decimal_places=2,
    )
    resolution_hours = forms.DecimalField(
        label=_("Resolution (business hours)"),
        min_value=Decimal("0.25"),
        max_value=Decimal(100000),
        decimal_places=2,
    )


WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class BusinessHoursForm(forms.Form):
    """One line per weekday: opening and closing time, or closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in range(7):
            self.fields[f"open_{day}"] = forms.BooleanField(label=WEEKDAYS[day], required=False)
            self.fields[f"opens_{day}"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for day in range(7):
            if not cleaned.get(f"open_{day}"):
                continue
            opens, closes = cleaned.get(f"opens_{day}"), cleaned.get(f"closes_{day}")
            if not opens or not closes or opens >= closes:
                self.add_error(
                    f"closes_{day}",
                    _("%(day)s: the opening time must come before the closing time.")
                    % {"day": WEEKDAYS[day]},
                )
        return cleaned

    def hours(self) -> dict[int, tuple[Any, Any]]:
        data = self.cleaned_data
        return {
            day: (data[f"opens_{day}"], data[f"closes_{day}"])
            for day in range(7)
            if data.get(f"open_{day}")
        }

    def days(self) -> list[tuple[str | Promise, Any, Any, Any]]:
        return [
            (WEEKDAYS[d], self[f"open_{d}"], self[f"opens_{d}"], self[f"closes_{d}"])
            for d in range(7)
        ]


class HolidayForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    name = forms.CharField(label=_("Name"), max_length=100)


class CannedReplyForm(forms.Form):
    """A canned reply's fields; tickets/services/canned.py writes it."""

    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Filled in when inserted: {customer_first_name}, {customer_name}, "
            "{ticket_number}, {ticket_subject}, {agent_name}."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    shared = forms.BooleanField(
        label=_("Shared with the whole team"),
        required=False,
        help_text=_("Only administrators write shared replies."),
    )

    def __init__(self, *args: Any, may_share: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_share:  # an agent's replies are their own; an edit keeps its owner
            del self.fields["shared"]
