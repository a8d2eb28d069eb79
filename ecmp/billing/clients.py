"""Who an invoice is addressed to: the client's contract in force at the period's end
(read through the SLA app's contract selectors), else the organization's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ecmp.accounts.models import Organization
from ecmp.sla.contract_selectors import contract_in_force
from ecmp.sla.models import Contract

DEFAULT_PAYMENT_TERMS_DAYS = 30


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
    contract = contract_in_force(organization.pk, day)
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
