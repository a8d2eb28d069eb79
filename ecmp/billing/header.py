"""What an invoice says besides its lines, copied at issue from the issuer's details
and the client's contract: later changes of either never reach an issued invoice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings

from ecmp.billing.models import Invoice, IssuerProfile
from ecmp.billing.references import payment_reference
from ecmp.billing.selectors import Draft

SNAPSHOT_FIELDS = (
    "contract",
    "payment_terms_days",
    "reverse_charge",
    "issuer_name",
    "issuer_address",
    "issuer_vat_number",
    "issuer_company_number",
    "issuer_iban",
    "issuer_bic",
    "issuer_email",
    "issuer_phone",
    "issuer_logo",
    "client_name",
    "client_address",
    "client_vat_number",
    "client_emails",
)


def invoice_header(draft: Draft, issuer: IssuerProfile, number: str, today: date) -> dict[str, Any]:
    client = draft.client
    assert client is not None  # a draft always has its client
    kind = issuer.payment_reference_kind or Invoice.ReferenceKind.OGM
    return {
        "issue_date": today,
        "due_date": today + timedelta(days=client.payment_terms_days),
        "payment_reference_kind": kind,
        "payment_reference": payment_reference(kind, number),
        "contract": client.contract,
        "payment_terms_days": client.payment_terms_days,
        "reverse_charge": client.reverse_charge,
        "issuer_name": issuer.legal_name or settings.ECMP_COMPANY_NAME,
        "issuer_address": issuer.address.strip(),
        "issuer_vat_number": issuer.vat_number,
        "issuer_company_number": issuer.company_number,
        "issuer_iban": issuer.iban,
        "issuer_bic": issuer.bic,
        "issuer_email": issuer.email,
        "issuer_phone": issuer.phone,
        "issuer_logo": issuer.logo.name if issuer.logo else "",
        "client_name": client.name,
        "client_address": client.address,
        "client_vat_number": client.vat_number,
        "client_emails": client.emails,
    }


def credit_note_header(original: Invoice) -> dict[str, Any]:
    """A credit note carries its invoice's parties; nobody pays it: no reference, no due
    date."""
    return {name: getattr(original, name) for name in SNAPSHOT_FIELDS}
