"""The support team's queues: the ticket list, its filters, counts and saved views."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import organization_name, staff_choices
from ecmp.core.access import staff_required
from ecmp.core.fragments import render_page
from ecmp.core.paging import read_page
from ecmp.desk.forms import QueueFilterForm
from ecmp.desk.queue_forms import chosen_organization_id, queue_filter_bar, queue_filters
from ecmp.tickets.category_choices import category_choices_in_order
from ecmp.tickets.desk_search import desk_organization_suggestions
from ecmp.tickets.queue_reads import queue_count, queue_counts, queue_page_rows
from ecmp.tickets.saved_view_links import saved_view_links
from ecmp.tickets.selectors import DESK_QUEUES

# How many organizations the filter's autocomplete suggests.
SUGGESTED = 10
# The queues `queue_counts` counts, and the filters that leave a queue as counted.
_COUNTED = ("new", "mine", "open", "wait")
_UNFILTERED = {
    "status": "",
    "priority": None,
    "organization_id": None,
    "assignee": "",
    "channel": "",
    "category_id": None,
    "waiting": "",
    "text": "",
}


@staff_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    agents = staff_choices()  # the filter's and the bulk bar's
    filters = queue_filters(request.GET, agents)
    if filters is None:  # a query of unusual values: the form's rules decide
        filters = QueueFilterForm(request.GET or None).filters()
    block = "list" if request.htmx and request.htmx.target == "queue-list" else None
    now = timezone.now()
    unfiltered = filters["queue"] in _COUNTED and all(
        filters[name] == value for name, value in _UNFILTERED.items()
    )
    # The tabs' counts (the page's, not the list's); an unfiltered queue's is its count.
    counts: dict[str, int] = queue_counts(user.pk, now) if block is None or unfiltered else {}
    known = counts[filters["queue"]] if unfiltered else None

    def count(cap: int) -> int:
        return known if known is not None else queue_count(user, filters, cap=cap)

    def rows(offset: int, size: int) -> list[Any]:
        return queue_page_rows(user, filters, offset=offset, size=size, count=known)

    page, query_without_page = read_page(request, rows, count)
    context = {
        "nav": "queues",
        "bar": queue_filter_bar(
            request.GET,
            agents,
            _chosen_organization(request) if block is None else None,  # above the list
            category_choices_in_order(),
        ),
        "filters": filters,
        "queues": DESK_QUEUES,
        "counts": counts,
        "page": page,
        "query_without_page": query_without_page,
        "now": now,
    }
    # Beside the list, not in it: the htmx filter's answer does not read them.
    context["saved_views"] = saved_view_links(user) if block is None else []
    return render_page(request, "desk/queue.html", context, block=block)


def _chosen_organization(request: AuthenticatedHttpRequest) -> tuple[int, str] | None:
    pk = chosen_organization_id(request.GET)
    name = organization_name(pk) if pk is not None else None
    return (pk, name) if pk is not None and name is not None else None


@staff_required
@require_GET
def organization_picker(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue's organization filter: the clients whose name is nearest to what the
    agent types, best first (htmx, desk/_organization_options.html)."""
    name, found = desk_organization_suggestions(
        request.user, request.GET.get("name"), limit=SUGGESTED
    )
    context = {
        "organizations": [(organization.pk, organization.name) for organization in found],
        "searched": bool(name),
    }
    return render(request, "desk/_organization_options.html", context)
