"""The audit log's one door: the services that make a change record it, never views.

`audit_record` appends an AuditEvent. The client address is that of the request
being served, which AuditAddressMiddleware keeps in a context variable for its
duration (threading it through every service's signature would only add
noise); in the worker or a management command there is no request and no
address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from axes.helpers import get_client_ip_address
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from ecmp.accounts.models import AuditEvent, User

# The request being served; its address is worked out only when an event is
# recorded (most requests record none).
_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as sign-in throttling sees it (proxies per settings)."""
    return get_client_ip_address(request)


def _request_address() -> str | None:
    request = _current_request.get()
    return client_address(request) if request is not None else None


def audit_record(
    kind: str,
    *,
    actor: User | None = None,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    address: str | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. `changes` maps a field to [before, after] (JSON values)."""
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_label=(actor.email if actor is not None else actor_label)[:254],
        address=address or _request_address(),
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:254] if target is not None else "",
        changes=changes or {},
        detail=detail[:500],
    )


def audit_forget_person(*, user: User, label: str, identifiers: Iterable[str | None] = ()) -> None:
    """Erasure: the labels that name a person are replaced; the events stay.

    An event without an actor (a failed sign-in, a lockout) is labelled with what
    was typed: the person's address or username. Those on their account, and those
    typed with one of their `identifiers` (the address before the account existed,
    say), name them too.
    """
    events = AuditEvent.objects.all()
    about_them = Q(target_type=user._meta.model_name, target_id=str(user.pk))
    models.QuerySet.update(events.filter(actor=user), actor_label=label)
    models.QuerySet.update(events.filter(about_them), target_label=label)
    typed = about_them & ~Q(actor_label="")
    for identifier in filter(None, identifiers):
        typed |= Q(actor_label__iexact=identifier)
    models.QuerySet.update(events.filter(typed, actor=None), actor_label=label)


class AuditAddressMiddleware:
    """Makes the request's client address known to audit_record during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
