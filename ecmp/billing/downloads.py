"""An invoice as a file (PDF, CSV or UBL), for the desk's admins and a client's team manager.
The PDF of an issued invoice is its Factur-X PDF: one document, the one the client
receives, readable by a person and importable by accounting software."""

from __future__ import annotations

from django.http import HttpResponse

from ecmp.billing.documents import invoice_csv
from ecmp.billing.einvoice.facturx import invoice_facturx
from ecmp.billing.einvoice.ubl import invoice_ubl
from ecmp.billing.models import Invoice


def invoice_response(invoice: Invoice, kind: str, *, language: str) -> HttpResponse:
    """A download; the PDF is written in `language` (the reader's)."""
    if kind == "csv":
        response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.csv"'
    elif kind == "ubl":
        response = HttpResponse(invoice_ubl(invoice, language), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}-ubl.xml"'
    else:
        response = HttpResponse(invoice_facturx(invoice, language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
