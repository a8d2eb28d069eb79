"""Bulk actions on the queue's selected rows: each ticket through its own service,
then a page with each ticket's result."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.bulk_close import tickets_bulk_close
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.queue_forms import BulkForm, selected_tickets
from ecmp.tickets.services import bulk


def _back(request: AuthenticatedHttpRequest) -> str:
    """The queue as the agent left it: only a query string, made again by QueryDict."""
    query = QueryDict(request.POST.get("back", "")[:2000]).urlencode()
    return reverse("desk:queue") + (f"?{query}" if query else "")


@staff_required
@require_POST
def tickets_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    back = _back(request)
    form = BulkForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        refusal_to_messages(request, ValidationError(errors))
        return redirect(back)
    data = form.cleaned_data
    selected = selected_tickets(request.POST)
    action = data["action"]
    try:
        if action == "accept":
            outcomes = bulk.tickets_bulk_accept(by=request.user, selected=selected)
        elif action == "assign":
            outcomes = bulk.tickets_bulk_assign(
                by=request.user, selected=selected, assignee=data["assignee"]
            )
        elif action == "priority":
            outcomes = bulk.tickets_bulk_set_priority(
                by=request.user, selected=selected, priority=data["priority"], reason=data["reason"]
            )
        elif action == "category":
            outcomes = bulk.tickets_bulk_set_category(
                by=request.user, selected=selected, category=data["category"]
            )
        else:
            outcomes = tickets_bulk_close(by=request.user, selected=selected, note=data["note"])
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect(back)
    done = sum(1 for outcome in outcomes if outcome.done)
    if done:
        messages.success(
            request,
            ngettext(
                "%(done)s of %(total)s tickets changed.",
                "%(done)s of %(total)s tickets changed.",
                done,
            )
            % {"done": done, "total": len(outcomes)},
        )
    context = {"nav": "queues", "outcomes": outcomes, "done": done, "back": back, "action": action}
    return render(request, "desk/bulk_results.html", context)
