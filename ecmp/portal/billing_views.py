"""What a client sees of the billing: a team manager's invoices and time per ticket."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.downloads import invoice_response
from ecmp.billing.portal_reads import (
    hidden_time,
    invoice_count,
    invoice_rows,
    ticket_time_count,
    ticket_time_rows,
)
from ecmp.billing.selectors import invoice_for
from ecmp.core.access import team_manager_required
from ecmp.core.paging import FullyCountedPaginator


@team_manager_required
@require_GET
def invoices(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    size = settings.ECMP_LIST_PAGE_SIZE
    # A first page is read whole (its statement compiled once), then cut to the
    # paginator's slice (shorter on the last page).
    page = FullyCountedPaginator(
        lambda offset, n: invoice_rows(user, offset, size)[:n],
        lambda _cap: invoice_count(user),
        size,
    ).get_page(request.GET.get("page"))
    tickets = FullyCountedPaginator(
        lambda offset, n: ticket_time_rows(user, offset, size)[:n],
        lambda _cap: ticket_time_count(user),
        size,
    ).get_page(request.GET.get("tickets_page"))
    context = {
        "nav": "invoices",
        "page": page,
        "tickets": tickets,
        "hidden_time": hidden_time(user),
        "today": timezone.localdate(),  # which invoices are overdue
    }
    return render(request, "portal/invoices.html", context)


@team_manager_required
@require_GET
def invoice_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return invoice_response(invoice_for(request.user, pk), "pdf", language=request.LANGUAGE_CODE)


@team_manager_required
@require_GET
def invoice_ubl(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The Peppol UBL file, for the client's accounting software."""
    return invoice_response(invoice_for(request.user, pk), "ubl", language=request.LANGUAGE_CODE)
