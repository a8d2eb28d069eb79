"""The desk's Team page (admins): the support team as plain rows, read by a statement
compiled once per process (core/prepared.py) instead of User instances."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils.translation import get_language

from ecmp.accounts.models import ERASED_DOMAIN, Role, User
from ecmp.accounts.twofactor import team_list_with_two_factor
from ecmp.core.access import require_admin
from ecmp.core.choices import labels_in
from ecmp.core.prepared import prepared


class TeamRow(NamedTuple):
    pk: int
    full_name: str
    email: str
    role_label: str
    is_active: bool
    two_factor_on: bool
    is_erased: bool


def _team() -> QuerySet[User, tuple[int, str, str, str, bool, bool]]:
    # The selector's query, in the users' order (name, address); typed without its
    # annotation, which the type stubs can't follow through the selector's return.
    people: QuerySet[Any] = team_list_with_two_factor()
    return people.order_by("full_name", "email").values_list(
        "pk", "full_name", "email", "role", "is_active", "two_factor_on"
    )


_TEAM = prepared(_team, arity=0)


def team_rows_for_admin(user: User) -> list[TeamRow]:
    """Agents and admins, active or not, each with their role's label, whether their
    second factor is set up, and whether they were erased (as `User.is_erased`)."""
    require_admin(user)
    labels = labels_in(Role, get_language())
    return [
        TeamRow(
            pk,
            name,
            email,
            labels.get(role, role),
            bool(active),
            bool(two_factor),
            email == f"erased-{pk}@{ERASED_DOMAIN}",
        )
        for pk, name, email, role, active, two_factor in _TEAM.rows()
    ]
