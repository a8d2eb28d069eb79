"""/api/v1/organizations/{id}/contract and /hours: a client's contract in force and
its prepaid hours, read only.

As the pages show them: the support team any client's, a client's team manager
their own company's (contract_for_manager; the portal's hour packs), anybody else
404 (another company does not exist for them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from ecmp.accounts.models import User
from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth
from ecmp.billing.packs import pack_balance
from ecmp.core.access import is_staff_member
from ecmp.sla.contract_selectors import contract_for_manager, contract_for_staff, contract_in_force
from ecmp.sla.contract_summary import contract_summary, hours_of

router = Router(tags=["organizations"])

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
OrganizationId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class TargetOut(Schema):
    priority: int
    first_response_hours: Decimal | None = Field(description="Business hours")
    resolution_hours: Decimal | None = Field(description="Business hours")
    own: bool = Field(description="The contract's own target, not the default level")


class ContractOut(Schema):
    id: int
    reference: str
    starts_on: date
    ends_on: date | None
    payment_terms_days: int
    reverse_charge: bool
    targets: list[TargetOut]


class HoursOut(Schema):
    included_hours: Decimal
    used_hours: Decimal
    left_hours: Decimal
    expired_hours: Decimal
    percent_used: int


def _mine(user: User, organization_id: int) -> bool:
    """The support team reads any client's; a team manager their own company's."""
    if is_staff_member(user):
        return True
    return bool(
        user.is_customer and user.is_team_manager and user.organization_id == organization_id
    )


@router.get(
    "/organizations/{organization_id}/contract",
    response={200: ContractOut, **ERRORS},
    auth=read_auth,
    summary="A client's contract in force today",
)
def organization_contract(request: HttpRequest, organization_id: OrganizationId) -> dict[str, Any]:
    """404 when none is in force, or for a company that is not yours."""
    user = caller(request)
    today = timezone.localdate()
    if not _mine(user, organization_id):
        raise Http404
    if is_staff_member(user):
        found = contract_in_force(organization_id, today)
        contract = contract_for_staff(found.pk) if found is not None else None
    else:
        contract = contract_for_manager(user, today)
    if contract is None:
        raise Http404
    summary = contract_summary(contract)
    return {
        "id": contract.pk,
        "reference": contract.reference,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "payment_terms_days": contract.payment_terms_days,
        "reverse_charge": contract.reverse_charge,
        "targets": [
            {
                "priority": row.priority,
                "first_response_hours": row.first_response_hours,
                "resolution_hours": row.resolution_hours,
                "own": row.own,
            }
            for row in summary.levels
        ],
    }


@router.get(
    "/organizations/{organization_id}/hours",
    response={200: HoursOut, **ERRORS},
    auth=read_auth,
    summary="A client's prepaid hours today",
)
def organization_hours(request: HttpRequest, organization_id: OrganizationId) -> dict[str, Any]:
    """The packs in force today: bought, used and left; and what expired unused. 404
    for a client that never bought any, or a company that is not yours."""
    if not _mine(caller(request), organization_id):
        raise Http404
    balance = pack_balance(organization_id, today=timezone.localdate())
    if balance is None:
        raise Http404
    return {
        "included_hours": hours_of(balance.included_minutes),
        "used_hours": hours_of(balance.used_minutes),
        "left_hours": hours_of(balance.left_minutes),
        "expired_hours": hours_of(balance.expired_minutes),
        "percent_used": balance.percent_used,
    }
