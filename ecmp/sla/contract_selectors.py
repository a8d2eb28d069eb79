"""Reads of the clients' contracts: the version in force on a day, the history, and
what a client's team manager may see of their own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from ecmp.accounts.models import User
from ecmp.sla.models import Contract, ContractHours, ContractTarget


class Version(Protocol):
    """What the rule below reads of a version (a Contract, or its values)."""

    @property
    def pk(self) -> int: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date | None: ...


V = TypeVar("V", bound=Version)


def in_force_on(day: date) -> Q:
    """Versions started on or before `day` and not ended before it."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def _in_force(organization_id: int, day: date) -> QuerySet[Contract]:
    # The latest version first: the one rule of which version holds (the
    # contract_in_force index).
    return Contract.objects.filter(in_force_on(day), organization_id=organization_id).order_by(
        "-starts_on", "-pk"
    )


def contract_in_force(organization_id: int, day: date) -> Contract | None:
    """The organization's contract in force on `day`: its latest version started on
    or before that day and not ended before it (one query)."""
    return _in_force(organization_id, day).first()


def contract_in_force_id(organization_id: int, day: date) -> int | None:
    pk: int | None = _in_force(organization_id, day).values_list("pk", flat=True).first()
    return pk


def contract_pick(versions: Iterable[V], day: date) -> V | None:
    """The same rule over versions already read (an invoice draft reads a client's
    versions once for the whole period, then picks one per day)."""
    best: V | None = None
    for version in versions:
        if version.starts_on > day or (version.ends_on is not None and version.ends_on < day):
            continue
        if best is None or (version.starts_on, version.pk) > (best.starts_on, best.pk):
            best = version
    return best


def _with_terms(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.prefetch_related(
        Prefetch("targets", queryset=ContractTarget.objects.order_by("-priority")),
        Prefetch("hours", queryset=ContractHours.objects.order_by("weekday")),
    ).select_related("created_by", "organization")


def contract_history(organization_id: int) -> QuerySet[Contract]:
    """Every version of the organization's contract, the latest start first."""
    return _with_terms(
        Contract.objects.filter(organization_id=organization_id).order_by("-starts_on", "-pk")
    )


def contract_for_staff(pk: int) -> Contract:
    contract = _with_terms(Contract.objects.filter(pk=pk)).first()
    if contract is None:
        raise Http404
    return contract


def contract_for_manager(user: User, day: date, pk: int | None = None) -> Contract | None:
    """A client's team manager sees their own organization's contract: the version in
    force on `day`, or one of its versions by number; another organization's is a 404."""
    if not (user.is_active and user.is_customer and user.is_team_manager and user.organization_id):
        raise Http404
    own = _with_terms(Contract.objects.filter(organization_id=user.organization_id))
    if pk is not None:
        contract = own.filter(pk=pk).first()
        if contract is None:
            raise Http404
        return contract
    return own.filter(in_force_on(day)).order_by("-starts_on", "-pk").first()
