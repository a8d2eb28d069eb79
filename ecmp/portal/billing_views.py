"""What a client sees of the billing: a team manager's invoices and time per ticket."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.downloads import invoice_response
from ecmp.billing.selectors import (
    invoice_for,
    invoices_visible_to,
    time_on_hidden_tickets_for_manager,
    time_per_ticket_for_manager,
)
from ecmp.core.access import team_manager_required


@team_manager_required
@require_GET
def invoices(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(invoices_visible_to(request.user), settings.ECMP_LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tickets = Paginator(
        time_per_ticket_for_manager(request.user), settings.ECMP_LIST_PAGE_SIZE
    ).get_page(request.GET.get("tickets_page"))
    context = {
        "nav": "invoices",
        "page": page,
        "tickets": tickets,
        "hidden_time": time_on_hidden_tickets_for_manager(request.user),
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
