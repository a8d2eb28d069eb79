"""An invoice as a file (PDF or CSV), for the desk's admins and a client's team manager."""

from __future__ import annotations

from django.http import HttpResponse

from ecmp.billing.documents import invoice_csv, invoice_pdf
from ecmp.billing.models import Invoice


def invoice_response(invoice: Invoice, kind: str, *, language: str) -> HttpResponse:
    """A download; the PDF is written in `language` (the reader's)."""
    if kind == "csv":
        response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.csv"'
    else:
        response = HttpResponse(invoice_pdf(invoice, language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
