"""An agent opens a ticket for a client user who phoned, came by or wrote."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecmp.accounts.models import User
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import customers_for_picker, requester_get_for_staff
from ecmp.core.access import staff_required
from ecmp.core.ids import parse_id
from ecmp.desk.forms import CallerTicketForm
from ecmp.tickets.services.create import ticket_create_for_caller

# Which field a service's refusal belongs to, by its code.
REFUSAL_FIELDS = {
    "requester": "requester",
    "attachments": "files",
    "channel": "channel",
    "priority": "priority",
    "category": "category",
}


@staff_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    searching = request.method == "POST" and "find" in request.POST
    if searching:
        # "Search" without JavaScript: the page again, with the people found, and
        # what was typed kept (files must be chosen again); nothing is checked yet.
        initial: dict[str, Any] = request.POST.dict()
        initial["acknowledge"] = "acknowledge" in request.POST
        form = CallerTicketForm(initial=initial)
    else:
        form = CallerTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not searching and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_create_for_caller(
                by=request.user,
                requester=requester_get_for_staff(request.user, data["requester"]),
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"],
                channel=data["channel"],
                files=data["files"],
                acknowledge=data["acknowledge"],
                category=data["category"],
            )
        except ValidationError as error:
            form.add_error(REFUSAL_FIELDS.get(str(getattr(error, "code", ""))), error)
        else:
            messages.success(
                request,
                _("Ticket %(number)s is created for %(name)s.")
                % {"number": ticket.number, "name": ticket.requester.get_full_name()},
            )
            return redirect("desk:ticket-detail", ticket.number)
    who = str(form["who"].value() or "")
    people = customers_for_picker(request.user, who) if who.strip() else []
    chosen = _chosen(request.user, form["requester"].value())
    if chosen is not None and all(person.pk != chosen.pk for person in people):
        people.insert(0, chosen)
    context = {
        "nav": "queues",
        "form": form,
        "people": people,
        "chosen_id": chosen.pk if chosen else None,
        "searched": bool(who.strip()),
    }
    return render(request, "desk/ticket_new.html", context)


def _chosen(by: User, value: object) -> User | None:
    """The person picked before the page came back (an error, a search): still offered."""
    pk = parse_id(str(value or ""))
    person = requester_get_for_staff(by, pk) if pk else None
    return person if person is not None and person.is_customer else None


@staff_required
@require_GET
def people_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The picker's list for what the agent is typing (htmx)."""
    who = request.GET.get("who", "")[:200]
    context = {
        "people": customers_for_picker(request.user, who) if who.strip() else [],
        "chosen_id": None,
        "searched": bool(who.strip()),
    }
    return render(request, "desk/_people_picker.html", context)
