"""The desk's client page (desk/clients/ORG/): the organization, its people and its
history, in statements compiled once per process (core/prepared.py) with the
organization's id as their parameter.

Through the ORM, building and compiling the three statements and a model for each
of a client's 25 users cost the page about 1.5 ms, against a tenth of that to run
them. The people are `user_list_for_organization`'s (the one door to them), with the
columns the page shows; nothing read is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language

from ecmp.accounts.models import ERASED_DOMAIN, Organization, OrganizationEvent
from ecmp.accounts.selectors import user_list_for_organization
from ecmp.core.choices import labels_in
from ecmp.core.prepared import INTEGER
from ecmp.core.prepared_rows import ConvertedRead, Joined, attnames

_ORGANIZATION = Joined(
    Organization, attnames(Organization), {"priority_locked_by": ("id", "full_name")}
)
_ORGANIZATION_READ = ConvertedRead(
    lambda pk: Organization.objects.filter(pk=pk).values_list(*_ORGANIZATION.columns),
    (INTEGER,),
)


def organization_for_staff(pk: int) -> Organization:
    """The organization, who locked its priority with it (their name only), or 404."""
    rows = _ORGANIZATION_READ.rows(pk)
    if not rows:
        raise Http404
    return _ORGANIZATION.instance(rows[0])


class PersonRow(NamedTuple):
    """A user of the client's page (desk/organization.html)."""

    pk: int
    full_name: str
    email: str
    phone: str
    role: str
    is_team_manager: bool
    is_active: bool
    email_bouncing_since: datetime | None
    activated_at: datetime | None
    pending_invitation_expires: datetime | None
    is_erased: bool


_PERSON = (
    *("pk", "full_name", "email", "phone", "role", "is_team_manager", "is_active"),
    *("email_bouncing_since", "activated_at", "pending_invitation_expires"),
)


def _people(organization_id: int) -> QuerySet[Any, Any]:
    return user_list_for_organization(Organization(pk=organization_id)).values_list(*_PERSON)


_PEOPLE = ConvertedRead(_people, (INTEGER,))


def people_of_organization(organization_id: int) -> list[PersonRow]:
    """`user_list_for_organization`'s users, the columns the page shows (and
    `User.is_erased`)."""
    return [
        PersonRow._make((*row, row[2] == f"erased-{row[0]}@{ERASED_DOMAIN}"))
        for row in _PEOPLE.rows(organization_id)
    ]


class EventRow(NamedTuple):
    """An entry of the client's history."""

    created_at: datetime
    actor_name: str | None
    kind_label: str
    reason: str


_HISTORY_SIZE = 20
_HISTORY = ConvertedRead(
    lambda organization_id: OrganizationEvent.objects.filter(
        organization_id=organization_id
    ).values_list("created_at", "actor__full_name", "kind", "reason")[:_HISTORY_SIZE],
    (INTEGER,),
)


def organization_history(organization_id: int) -> list[EventRow]:
    """The latest 20 changes of the organization's settings, the latest first."""
    labels = labels_in(OrganizationEvent.Kind, get_language())
    return [
        EventRow(created_at, actor_name, labels.get(kind, str(kind)), reason)
        for created_at, actor_name, kind, reason in _HISTORY.rows(organization_id)
    ]
