"""A team manager's "My team" page read by statements compiled once per process
(core/prepared.py): the registration requests, the colleagues and the removal
requests of their company, as plain rows of the columns the page shows.

Each statement is the selector's own (`registration_request_list_for_manager`,
`colleagues_for_manager`, `removal_request_list_for_manager`), compiled for a
stand-in manager with placeholder ids. Anyone but an active team manager of a
company gets what the selectors give them, through the ORM. The colleagues' read
has the pending status written in (core/prepared.ConstantsWritten): bound, it made
SQLite prepare the statement again at each view (150 µs a read instead of 80).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import QuerySet

from ecmp.accounts.models import RegistrationRequest, Role, User
from ecmp.accounts.removal_models import RemovalRequest
from ecmp.accounts.removal_selectors import (
    colleagues_for_manager,
    removal_request_list_for_manager,
)
from ecmp.accounts.selectors import registration_request_list_for_manager
from ecmp.core.choices import choice_label
from ecmp.core.prepared import INTEGER, ConstantsWritten
from ecmp.core.prepared_rows import ConvertedRead

# How many of each the page shows.
REQUESTS, COLLEAGUES, REMOVALS = 100, 500, 100


class RequestRow(NamedTuple):
    """A registration request as the page shows it."""

    full_name: str
    email: str
    created_at: datetime
    status: str
    decline_reason: str

    def get_status_display(self) -> str:
        return choice_label(RegistrationRequest.Status, self.status)


class Colleague(NamedTuple):
    """A colleague the manager may ask to remove."""

    pk: int
    full_name: str
    email: str
    removal_pending: bool


class RemovalRow(NamedTuple):
    """A removal request as the page shows it."""

    person_name: str
    reason: str
    created_at: datetime
    status: str
    decline_reason: str

    def get_status_display(self) -> str:
        return choice_label(RemovalRequest.Status, self.status)


REQUEST = ("full_name", "email", "created_at", "status", "decline_reason")
COLLEAGUE = ("pk", "full_name", "email", "removal_pending")
REMOVAL = ("person__full_name", "reason", "created_at", "status", "decline_reason")


def _manager(user_id: int, organization_id: int) -> User:
    # ConvertedRead finds the columns' converters from a build with 0 for each value:
    # for no company the selectors have no statement (any other id gives the columns).
    return User(
        pk=user_id,
        role=Role.CUSTOMER,
        is_active=True,
        is_team_manager=True,
        organization_id=organization_id or 1,
    )


def _requests(organization_id: int) -> QuerySet[Any, Any]:
    manager = _manager(1, organization_id)
    return registration_request_list_for_manager(manager).values_list(*REQUEST)[:REQUESTS]


def _colleagues(user_id: int, organization_id: int) -> QuerySet[Any, Any]:
    manager = _manager(user_id, organization_id)
    return colleagues_for_manager(manager).values_list(*COLLEAGUE)[:COLLEAGUES]


def _removals(organization_id: int) -> QuerySet[Any, Any]:
    manager = _manager(1, organization_id)
    return removal_request_list_for_manager(manager).values_list(*REMOVAL)[:REMOVALS]


_REQUESTS = ConvertedRead(_requests, (INTEGER,))
# Its columns need no converter but the flag's (SQLite gives 0 or 1: `bool`, as the
# ORM's converter does).
_COLLEAGUES = ConstantsWritten(_colleagues, (INTEGER, INTEGER))
_REMOVALS = ConvertedRead(_removals, (INTEGER,))


def team_requests(user: User) -> list[RequestRow]:
    """The first `REQUESTS` of `registration_request_list_for_manager(user)`."""
    if user.manages_a_team:
        rows = _REQUESTS.rows(user.organization_id)
    else:
        rows = list(registration_request_list_for_manager(user).values_list(*REQUEST)[:REQUESTS])
    return [RequestRow._make(row) for row in rows]


def team_colleagues(user: User) -> list[Colleague]:
    """The first `COLLEAGUES` of `colleagues_for_manager(user)`."""
    if user.manages_a_team:
        rows = _COLLEAGUES.rows(user.pk, user.organization_id)
        return [Colleague(pk, name, email, bool(pending)) for pk, name, email, pending in rows]
    people = colleagues_for_manager(user)[:COLLEAGUES]  # none but a manager's
    return [Colleague(p.pk, p.full_name, p.email, p.removal_pending) for p in people]  # type: ignore[attr-defined]  # annotated


def team_removals(user: User) -> list[RemovalRow]:
    """The first `REMOVALS` of `removal_request_list_for_manager(user)`."""
    if user.manages_a_team:
        rows = _REMOVALS.rows(user.organization_id)
    else:
        rows = list(removal_request_list_for_manager(user).values_list(*REMOVAL)[:REMOVALS])
    return [RemovalRow._make(row) for row in rows]
