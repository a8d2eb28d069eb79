"""Every write to the clients' contracts; admins only.

A version a ticket is held to (`Ticket.contract`) is never changed: a change is a new
version from its start date. A version no ticket uses yet may be edited or deleted.
Each change is in the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Organization, User
from ecmp.core.access import require_admin
from ecmp.sla.models import Contract, ContractHours, ContractTarget
from ecmp.sla.priorities import Priority

EMAILS_MAX = 500


@dataclass(frozen=True)
class ContractTerms:
    """What an admin sets on a version. `targets`: per priority, (first response,
    resolution) in business minutes, only those that differ from the defaults;
    `hours`: weekday (0 = Monday) -> (opens, closes), empty for the default calendar."""

    starts_on: date
    reference: str = ""
    ends_on: date | None = None
    payment_terms_days: int = 30
    billing_emails: str = ""
    billing_address: str = ""
    vat_number: str = ""
    reverse_charge: bool = False
    targets: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    hours: Mapping[int, tuple[time, time]] = field(default_factory=dict)


def vat_number_clean(value: str) -> str:
    """An EU VAT number with its country prefix, stored compact (BE0403170701).

    Empty stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(eu_vat.validate(value))
    except InvalidChecksum:
        raise ValidationError(
            _("This VAT number's check digits are wrong: check it against its source."),
            code="vat_checksum",
        ) from None
    except StdnumError:
        raise ValidationError(
            _(
                "Enter a valid EU VAT number starting with its country code, "
                "for example BE0403170701."
            ),
            code="vat_format",
        ) from None


def billing_emails_clean(value: str) -> str:
    """Billing contacts, separated by commas, semicolons or new lines: each one checked."""
    emails: list[str] = []
    for part in (value or "").replace(";", ",").replace("\n", ",").split(","):
        email = part.strip()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                _("“%(email)s” is not a valid email address.") % {"email": email},
                code="billing_email",
            ) from None
        if email.lower() not in (known.lower() for known in emails):
            emails.append(email)
    joined = ", ".join(emails)
    if len(joined) > EMAILS_MAX:
        raise ValidationError(
            _("Too many billing contacts (at most %(limit)s characters).") % {"limit": EMAILS_MAX},
            code="billing_emails_long",
        )
    return joined


def _clean(terms: ContractTerms) -> dict[str, Any]:
    """The version's own columns, checked; a ValidationError per field otherwise."""
    errors: dict[str, list[ValidationError]] = {}

    def refuse(name: str, error: ValidationError) -> None:
        errors.setdefault(name, []).append(error)

    values: dict[str, Any] = {
        "reference": " ".join((terms.reference or "").split()),
        "starts_on": terms.starts_on,
        "ends_on": terms.ends_on,
        "payment_terms_days": terms.payment_terms_days,
        "billing_address": (terms.billing_address or "").strip(),
        "reverse_charge": terms.reverse_charge,
    }
    if len(values["reference"]) > 60:
        refuse(
            "reference", ValidationError(_("The reference is too long (at most 60 characters)."))
        )
    if terms.ends_on is not None and terms.ends_on < terms.starts_on:
        refuse("ends_on", ValidationError(_("The contract cannot end before it starts.")))
    if not 0 <= terms.payment_terms_days <= 365:
        refuse("payment_terms_days", ValidationError(_("Payment terms are 0 to 365 days.")))
    for name, clean in (("vat_number", vat_number_clean), ("billing_emails", billing_emails_clean)):
        try:
            values[name] = clean(getattr(terms, name))
        except ValidationError as error:
            refuse(name, error)
    if terms.reverse_charge and not values.get("vat_number") and "vat_number" not in errors:
        refuse(
            "reverse_charge",
            ValidationError(
                _("EU reverse charge needs the client's VAT number."), code="reverse_charge"
            ),
        )
    for priority, (first, resolution) in terms.targets.items():
        if priority not in Priority.values or first < 1 or resolution < 1:
            refuse("targets", ValidationError(_("Each target is at least one minute.")))
        elif resolution < first:
            refuse(
                "targets",
                ValidationError(
                    _(
                        "%(priority)s: the resolution target cannot be shorter than the "
                        "first response target."
                    )
                    % {"priority": Priority(priority).label}
                ),
            )
    for weekday, (opens, closes) in terms.hours.items():
        if not 0 <= weekday <= 6 or opens >= closes:
            refuse("hours", ValidationError(_("Each day opens before it closes.")))
    if errors:
        raise ValidationError(errors)
    return values


def _terms_of(contract: Contract) -> dict[str, Any]:
    """What the audit log records of a version (JSON values)."""
    return {
        "reference": contract.reference,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat() if contract.ends_on else None,
        "payment_terms_days": contract.payment_terms_days,
        "billing_emails": contract.billing_emails,
        "billing_address": contract.billing_address,
        "vat_number": contract.vat_number,
        "reverse_charge": contract.reverse_charge,
        "targets": {
            str(t.priority): [t.first_response_minutes, t.resolution_minutes]
            for t in ContractTarget.objects.filter(contract=contract).order_by("priority")
        },
        "hours": {
            str(h.weekday): [h.opens.isoformat("minutes"), h.closes.isoformat("minutes")]
            for h in ContractHours.objects.filter(contract=contract).order_by("weekday")
        },
    }


def _write_levels(contract: Contract, terms: ContractTerms) -> None:
    ContractTarget.objects.filter(contract=contract).delete()
    ContractTarget.objects.bulk_create(
        ContractTarget(
            contract=contract,
            priority=priority,
            first_response_minutes=first,
            resolution_minutes=resolution,
        )
        for priority, (first, resolution) in sorted(terms.targets.items())
    )
    ContractHours.objects.filter(contract=contract).delete()
    ContractHours.objects.bulk_create(
        ContractHours(contract=contract, weekday=weekday, opens=opens, closes=closes)
        for weekday, (opens, closes) in sorted(terms.hours.items())
    )


def _describe(contract: Contract, what: str) -> str:
    reference = f" {contract.reference}" if contract.reference else ""
    return f"{what}: {contract.organization}{reference} ({contract.starts_on.isoformat()})"


def contract_in_use(contract: Contract) -> bool:
    """Whether a ticket (or an invoice) is held to this version: then it is history,
    never changed. Every row that protects the version counts, whatever its app
    (billing's invoices quote it too), without this layer importing theirs."""
    for relation in Contract._meta.related_objects:
        if relation.on_delete is not models.PROTECT:
            continue
        model = relation.related_model
        if isinstance(model, str):  # "self": a contract never points at another
            continue
        if model._base_manager.filter(**{relation.field.name: contract}).exists():
            return True
    return False


def _require_unused(contract: Contract) -> None:
    if contract_in_use(contract):
        raise ValidationError(
            _(
                "Tickets are already held to this version: it cannot change any more. "
                "Create a new version from the date the change applies."
            ),
            code="in_use",
        )


@transaction.atomic
def contract_create(*, by: User, organization: Organization, terms: ContractTerms) -> Contract:
    """A new version of the organization's contract, in force from its start date."""
    require_admin(by)
    values = _clean(terms)
    contract = Contract.objects.create(organization=organization, created_by=by, **values)
    _write_levels(contract, terms)
    audit_record(
        AuditEvent.Kind.ORGANIZATION_CHANGED,
        actor=by,
        target=contract,
        changes={"contract": [None, _terms_of(contract)]},
        detail=_describe(contract, "contract version created"),
    )
    return contract


@transaction.atomic
def contract_update(*, by: User, contract: Contract, terms: ContractTerms) -> Contract:
    """Correct a version no ticket uses yet."""
    require_admin(by)
    locked = Contract.objects.select_for_update().select_related("organization").get(pk=contract.pk)
    _require_unused(locked)
    values = _clean(terms)
    before = _terms_of(locked)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(values))
    _write_levels(locked, terms)
    after = _terms_of(locked)
    audit_record(
        AuditEvent.Kind.ORGANIZATION_CHANGED,
        actor=by,
        target=locked,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        detail=_describe(locked, "contract version edited"),
    )
    return locked


@transaction.atomic
def contract_delete(*, by: User, contract: Contract) -> None:
    """Remove a version no ticket uses (entered by mistake)."""
    require_admin(by)
    locked = Contract.objects.select_for_update().select_related("organization").get(pk=contract.pk)
    _require_unused(locked)
    before = _terms_of(locked)
    audit_record(
        AuditEvent.Kind.ORGANIZATION_CHANGED,
        actor=by,
        target=locked,
        changes={"contract": [before, None]},
        detail=_describe(locked, "contract version deleted"),
    )
    locked.delete()
