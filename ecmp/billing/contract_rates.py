"""A contract version with its hourly rates per kind of work, written in one transaction.

The contract is the SLA app's (`sla/contracts.py`: its terms, who may, the history
rule); its rates are billing's, so the desk saves a version through here."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Organization, User
from ecmp.billing.models import ActivityType, ContractRate, IssuerProfile
from ecmp.sla.contracts import ContractTerms, contract_create, contract_update, vat_number_clean
from ecmp.sla.models import Contract


def contract_rates_of(contract: Contract) -> dict[int, Decimal]:
    """activity type id -> hourly rate."""
    return dict(
        ContractRate.objects.filter(contract=contract).values_list(
            "activity_type_id", "hourly_rate"
        )
    )


def _check_reverse_charge(terms: ContractTerms) -> None:
    """EU reverse charge is for a client in another member state than ours: refused when
    the client's VAT number is of the issuer's own country (the other checks are the
    contract service's)."""
    if not terms.reverse_charge:
        return
    try:
        client = vat_number_clean(terms.vat_number)
    except ValidationError:
        return  # refused with its own message by the contract service
    ours = (
        IssuerProfile.objects.filter(pk=1).values_list("vat_number", flat=True).first() or ""
    ).strip()
    if client and ours and client[:2].upper() == ours[:2].upper():
        raise ValidationError(
            {
                "reverse_charge": _(
                    "EU reverse charge applies to a client of another EU country: this "
                    "VAT number is of our own country."
                )
            },
            code="reverse_charge_country",
        )


def _write_rates(contract: Contract, rates: Mapping[int, Decimal]) -> dict[str, Decimal]:
    if any(rate < 0 for rate in rates.values()):
        raise ValidationError({"rates": _("A rate cannot be negative.")})
    known = set(ActivityType.objects.filter(pk__in=list(rates)).values_list("pk", flat=True))
    if known != set(rates):
        raise ValidationError({"rates": _("Choose the kinds of work among those listed.")})
    ContractRate.objects.filter(contract=contract).delete()
    ContractRate.objects.bulk_create(
        ContractRate(contract=contract, activity_type_id=activity_id, hourly_rate=rate)
        for activity_id, rate in sorted(rates.items())
    )
    return {str(activity_id): rate for activity_id, rate in sorted(rates.items())}


def _audit_rates(by: User, contract: Contract, before: dict[int, Decimal], after: dict) -> None:
    old = {str(k): str(v) for k, v in sorted(before.items())}
    new = {k: str(v) for k, v in after.items()}
    if old != new:
        audit_record(
            AuditEvent.Kind.ORGANIZATION_CHANGED,
            actor=by,
            target=contract,
            changes={"rates": [old or None, new or None]},
            detail=f"contract rates: {contract.organization} ({contract.starts_on.isoformat()})",
        )


@transaction.atomic
def contract_version_create(
    *,
    by: User,
    organization: Organization,
    terms: ContractTerms,
    rates: Mapping[int, Decimal],
) -> Contract:
    """A new version of the client's contract and its rates: all of it, or nothing."""
    _check_reverse_charge(terms)
    contract = contract_create(by=by, organization=organization, terms=terms)
    _audit_rates(by, contract, {}, _write_rates(contract, rates))
    return contract


@transaction.atomic
def contract_version_update(
    *, by: User, contract: Contract, terms: ContractTerms, rates: Mapping[int, Decimal]
) -> Contract:
    """Correct a version no ticket uses yet, rates included."""
    _check_reverse_charge(terms)
    contract = contract_update(by=by, contract=contract, terms=terms)
    before = contract_rates_of(contract)
    _audit_rates(by, contract, before, _write_rates(contract, rates))
    return contract
