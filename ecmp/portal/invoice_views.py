"""One invoice as a team manager sees it (issue 19 §5): its state and amounts, and
what to pay it with, the EPC QR code above all, so their banking app pays it in one
scan. Only their organization's invoices (invoice_for): any other is a 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.epc import epc_fields, epc_qr_data_uri
from ecmp.billing.selectors import invoice_for
from ecmp.core.access import team_manager_required


@team_manager_required
@require_GET
def invoice_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_for(request.user, pk)
    payable = invoice.kind == invoice.Kind.INVOICE and invoice.status in invoice.UNPAID
    fields = epc_fields(invoice) if payable else None
    if fields is not None:
        # What is left to pay, not the total, once part of it is paid.
        fields["amount"] = invoice.amount_due
    context = {
        "nav": "invoices",
        "invoice": invoice,
        "payable": payable,
        "overdue": invoice.is_overdue(timezone.localdate()),
        "qr": epc_qr_data_uri(fields) if fields else "",
    }
    return render(request, "portal/invoice.html", context)
