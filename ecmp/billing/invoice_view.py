"""An issued invoice as the desk page shows it: its parts, its payment details and
QR code, all from the invoice's own copied details."""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.utils import timezone

from ecmp.billing.epc import epc_fields, epc_qr_data_uri
from ecmp.billing.issuer import LOGO_TYPES
from ecmp.billing.models import Invoice, InvoiceItem, InvoiceLine, InvoiceVatTotal
from ecmp.billing.payment_models import InvoiceDispatch, Payment
from ecmp.billing.references import reference_display
from ecmp.billing.vat import REVERSE_CHARGE_MENTION


@dataclass
class InvoicePage:
    invoice: Invoice
    lines: list[InvoiceLine]
    items: list[InvoiceItem]
    vat_totals: list[InvoiceVatTotal]
    reference: str
    qr: str
    logo: str
    reverse_charge_mention: Any
    # Sending and payment (issue 19 §5), oldest first.
    dispatches: list[InvoiceDispatch]
    payments: list[Payment]
    overdue: bool


def logo_data_uri(name: str) -> str:
    if not name:
        return ""
    extension = name.rsplit(".", 1)[-1]
    content_type = next((t for t, ext in LOGO_TYPES.items() if ext == extension), "")
    if not content_type:
        return ""
    with contextlib.suppress(OSError, ValueError), default_storage.open(name) as f:
        return f"data:{content_type};base64,{base64.b64encode(f.read()).decode()}"
    return ""


def invoice_page(invoice: Invoice) -> InvoicePage:
    fields = epc_fields(invoice)
    return InvoicePage(
        invoice=invoice,
        lines=list(invoice.lines.select_related("pack")),  # "from prepaid hours (pack of …)"
        items=list(invoice.items.all()),
        vat_totals=list(invoice.vat_totals.all()),
        reference=reference_display(invoice.payment_reference_kind, invoice.payment_reference),
        qr=epc_qr_data_uri(fields) if fields else "",
        logo=logo_data_uri(invoice.issuer_logo),
        reverse_charge_mention=REVERSE_CHARGE_MENTION if invoice.reverse_charge else "",
        dispatches=list(invoice.dispatches.select_related("by")),
        payments=list(invoice.payments.select_related("recorded_by")),
        overdue=invoice.is_overdue(timezone.localdate()),
    )
