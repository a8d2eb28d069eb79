"""The files an issued invoice is sent with."""

from __future__ import annotations

from ecmp.billing.einvoice.facturx import invoice_facturx
from ecmp.billing.einvoice.ubl import invoice_ubl
from ecmp.billing.models import Invoice

PDF = "application/pdf"
XML = "application/xml"


def invoice_files(invoice: Invoice, language: str) -> list[tuple[str, bytes, str]]:
    """(file name, bytes, content type) of each file sent to the client: the Factur-X
    PDF (readable by a person, importable by French and German software) and the Peppol
    UBL XML (what Belgian accounting software imports)."""
    return [
        (f"{invoice.number}.pdf", invoice_facturx(invoice, language), PDF),
        (f"{invoice.number}-ubl.xml", invoice_ubl(invoice, language), XML),
    ]
