"""/api/v1/tickets/{number}/followers: who follows a ticket, as the ticket page shows
them (tickets/followers.py: a customer never sees an agent among them), added and
removed through the follower services (who may add whom)."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth, write_auth
from ecmp.tickets.followers import follower_panel, person_for_follow
from ecmp.tickets.selectors import access_ticket
from ecmp.tickets.services.followers import follower_add, follower_remove

router = Router(tags=["tickets"])

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
Number = Annotated[int, Field(ge=1, le=2_147_483_647)]
PersonId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class FollowIn(Schema):
    person: int = Field(ge=1, le=2**63 - 1, description="Whom to add: yourself or a colleague")


def _followers(request: HttpRequest, number: int) -> list[dict[str, Any]]:
    user = caller(request)
    panel = follower_panel(access_ticket(user, number), user)
    return [{"id": p.pk, "name": p.full_name} for p in panel.followers]


@router.get(
    "/tickets/{number}/followers",
    response={200: list[schemas.Named], **ERRORS},
    auth=read_auth,
    summary="List followers",
)
def follower_list(request: HttpRequest, number: Number) -> list[dict[str, Any]]:
    return _followers(request, number)


def _person(request: HttpRequest, number: int, person_id: int) -> tuple[Any, Any, Any]:
    user = caller(request)
    ticket = access_ticket(user, number)
    person = person_for_follow(ticket, person_id, user)
    if person is None:
        raise ValidationError(_("Unknown person."), code="person")
    return user, ticket, person


@router.post(
    "/tickets/{number}/followers",
    response={200: list[schemas.Named], **ERRORS},
    auth=write_auth,
    summary="Add a follower",
)
def follower_new(request: HttpRequest, number: Number, payload: FollowIn) -> list[dict[str, Any]]:
    """Yourself, or (the requester, an agent) a colleague of the ticket's company."""
    user, ticket, person = _person(request, number, payload.person)
    follower_add(ticket=ticket, user=person, by=user)
    return _followers(request, number)


@router.delete(
    "/tickets/{number}/followers/{person_id}",
    response={200: list[schemas.Named], **ERRORS},
    auth=write_auth,
    summary="Remove a follower",
)
def follower_delete(
    request: HttpRequest, number: Number, person_id: PersonId
) -> list[dict[str, Any]]:
    user, ticket, person = _person(request, number, person_id)
    follower_remove(ticket=ticket, user=person, by=user)
    return _followers(request, number)
