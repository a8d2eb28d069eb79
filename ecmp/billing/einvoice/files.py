"""The files an issued invoice is sent with."""

from __future__ import annotations

from ecmp.billing.documents import invoice_pdf
from ecmp.billing.models import Invoice


def invoice_files(invoice: Invoice, language: str) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, content type) of each file sent to the client."""
    return [(f"{invoice.number}.pdf", invoice_pdf(invoice, language), "application/pdf")]
