"""Who an invoice is addressed to: the client's contract in force at the period's end.

A small read of billing's own (one query); the SLA app's contract selectors pick the
contract of a ticket, this one the contract an invoice quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from ecmp.accounts.models import Organization
from ecmp.sla.models import Contract

DEFAULT_PAYMENT_TERMS_DAYS = 30


def contract_in_force(organization: Organization, day: date) -> Contract | None:
    """The organization's latest contract started on or before the day and not ended."""
    return (
        Contract.objects.filter(organization=organization, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Client:
    name: str
    address: str = ""
    vat_number: str = ""
    emails: str = ""
    reverse_charge: bool = False
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    contract: Contract | None = None


def client_details(organization: Organization, day: date) -> Client:
    """The billing details in force on the day; the organization's name alone without
    a contract."""
    contract = contract_in_force(organization, day)
    if contract is None:
        return Client(name=organization.name)
    return Client(
        name=organization.name,
        address=contract.billing_address.strip(),
        vat_number=contract.vat_number,
        emails=contract.billing_emails,
        reverse_charge=contract.reverse_charge,
        payment_terms_days=contract.payment_terms_days,
        contract=contract,
    )
