"""The EPC QR code of an invoice (EPC069-12, SEPA credit transfer): a banking app
scans it and fills in the beneficiary, IBAN, amount and structured reference."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import segno
from segno import helpers

from ecmp.billing.models import Invoice

EPC_NAME_MAX = 70


def epc_fields(invoice: Invoice) -> dict[str, Any] | None:
    """What the code says, from the invoice alone; None when it cannot be paid by a
    SEPA transfer (no IBAN, not in euros, nothing to pay, a credit note)."""
    if (
        invoice.kind != Invoice.Kind.INVOICE
        or invoice.currency != "EUR"
        or not invoice.issuer_iban
        or not invoice.payment_reference
        or not Decimal("0.01") <= invoice.total_gross <= Decimal("999999999.99")
    ):
        return None
    return {
        "name": (invoice.issuer_name or "")[:EPC_NAME_MAX].strip() or invoice.issuer_iban,
        "iban": invoice.issuer_iban,
        "bic": invoice.issuer_bic or None,
        "amount": invoice.total_gross,
        "reference": invoice.payment_reference,
        "encoding": "utf-8",
    }


def epc_payload(fields: dict[str, Any]) -> str:
    """The payload, line by line as EPC069-12 sets it (version 002, UTF-8, SCT)."""
    amount = f"EUR{Decimal(fields['amount']):.2f}".rstrip("0").rstrip(".")
    return "\n".join(
        [
            "BCD",
            "002",
            "1",  # UTF-8
            "SCT",
            fields["bic"] or "",
            fields["name"],
            fields["iban"],
            amount,
            "",  # purpose
            fields["reference"],
        ]
    )


def epc_qr_png(fields: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    helpers.make_epc_qr(**fields).save(buffer, kind="png", scale=4, border=2)
    return buffer.getvalue()


def epc_qr_data_uri(fields: dict[str, Any]) -> str:
    """The same code for the desk page, as a data: image (the CSP allows those)."""
    qr: segno.QRCode = helpers.make_epc_qr(**fields)
    return str(qr.png_data_uri(scale=3, border=2))
