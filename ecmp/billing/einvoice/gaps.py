"""What the issuer's and the client's details lack for a sound e-invoice, told on the
draft before issuing: an issued invoice is never edited, and its e-invoice copies
these details. Without the issuer's VAT number an invoice charging VAT breaks the
EN 16931 rules BR-S-02 and BR-CO-26; without addresses or an IBAN a client's software
has less to check and nothing to pay to; reverse charge needs the client's VAT number
(BR-AE-02)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Field

from ecmp.billing.clients import Client
from ecmp.billing.issuer import issuer_profile_get
from ecmp.billing.models import IssuerProfile
from ecmp.sla.models import Contract

ISSUER_NEEDED = ("legal_name", "address", "vat_number", "iban")


@dataclass(frozen=True)
class DetailGaps:
    """Labels (in the active language) of the missing details, issuer's and client's."""

    issuer: list[str]
    client: list[str]

    def __bool__(self) -> bool:
        return bool(self.issuer or self.client)


def _label(model: type[IssuerProfile] | type[Contract], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.verbose_name)


def einvoice_gaps(client: Client | None) -> DetailGaps:
    """The gaps for an invoice to this client (as the draft read it), issued now; no
    client read is a client without a contract."""
    client = client or Client(name="")
    issuer = issuer_profile_get()
    issuer_gaps = [
        _label(IssuerProfile, name)
        for name in ISSUER_NEEDED
        if not str(getattr(issuer, name) or "").strip()
    ]
    client_gaps = []
    if not client.address.strip():
        client_gaps.append(_label(Contract, "billing_address"))
    if client.reverse_charge and not client.vat_number.strip():
        client_gaps.append(_label(Contract, "vat_number"))
    return DetailGaps(issuer=issuer_gaps, client=client_gaps)
