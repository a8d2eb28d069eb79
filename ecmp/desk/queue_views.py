"""The support team's queues: the ticket list, its filters, counts and saved views."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.core.fragments import render_page
from ecmp.core.paging import long_list_page
from ecmp.desk.forms import QueueFilterForm
from ecmp.tickets.saved_view_links import saved_view_links
from ecmp.tickets.selectors import DESK_QUEUES, desk_queue_counts, ticket_list_for_desk


@staff_required
@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters()
    tickets = ticket_list_for_desk(request.user, **filters)
    page, query_without_page = long_list_page(request, tickets)
    context = {
        "nav": "queues",
        "form": form,
        "filters": filters,
        "queues": DESK_QUEUES,
        "counts": desk_queue_counts(request.user),
        "page": page,
        "query_without_page": query_without_page,
        "now": timezone.now(),
    }
    block = "list" if request.htmx and request.htmx.target == "queue-list" else None
    # Beside the list, not in it: the htmx filter's answer does not read them.
    context["saved_views"] = saved_view_links(request.user) if block is None else []
    return render_page(request, "desk/queue.html", context, block=block)
