"""/api/v1/organizations: client companies and their people, for the support team.

Read through the desk's selectors (organization_list_for_staff,
user_list_for_organization); a customer's token is refused (403), as the desk's
pages refuse customers."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from ecmp.accounts.models import User
from ecmp.accounts.selectors import user_list_for_organization
from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth
from ecmp.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, id_page
from ecmp.core.access import require_staff
from ecmp.tickets.selectors import organization_list_for_staff

router = Router(tags=["organizations"])

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class OrganizationOut(Schema):
    id: int
    name: str
    active: bool
    people: int
    open_tickets: int


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class PersonOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    active: bool
    team_manager: bool


class OrganizationFilters(Schema):
    q: str = Field("", max_length=100, description="A part of the name")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _organization(organization: Any) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "active": organization.active,
        "people": organization.user_count,
        "open_tickets": organization.open_ticket_count,
    }


def _staff(request: HttpRequest) -> User:
    user = caller(request)
    require_staff(user)
    return user


@router.get(
    "/organizations",
    response={200: OrganizationPage, **ERRORS},
    auth=read_auth,
    summary="List client companies (support team)",
)
def organization_list(request: HttpRequest, filters: Query[OrganizationFilters]) -> dict[str, Any]:
    """In the order they were created, with their people and open tickets counted."""
    _staff(request)
    rows, next_cursor = id_page(
        organization_list_for_staff(text=filters.q), cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [_organization(o) for o in rows], "next_cursor": next_cursor}


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **ERRORS},
    auth=read_auth,
    summary="Read a client company (support team)",
)
def organization_read(request: HttpRequest, organization_id: Id) -> dict[str, Any]:
    _staff(request)
    return _organization(get_object_or_404(organization_list_for_staff(), pk=organization_id))


@router.get(
    "/organizations/{organization_id}/people",
    response={200: list[PersonOut], **ERRORS},
    auth=read_auth,
    summary="List a client company's people (support team)",
)
def organization_people(request: HttpRequest, organization_id: Id) -> list[dict[str, Any]]:
    """By name; their ids are the `requester` of a ticket an agent opens for them."""
    _staff(request)
    organization = get_object_or_404(organization_list_for_staff(), pk=organization_id)
    return [
        {
            "id": person.pk,
            "name": person.full_name,
            "email": person.email,
            "phone": person.phone,
            "active": person.is_active,
            "team_manager": person.is_team_manager,
        }
        for person in user_list_for_organization(organization)[:1000]
    ]
