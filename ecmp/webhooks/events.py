"""Which webhook deliveries an event makes, and their payloads.

Ticket events arrive through the tickets' subscriber hook (in the worker, after the
ticket's transaction committed), billing events through billing/events.py (after
commit too). Here only delivery rows are written, which is cheap; the requests are
sent by the task after commit. A failure here is logged and swallowed: a webhook
never undoes the notifications and emails of the same event, nor the action.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import User
from ecmp.core.links import absolute_url
from ecmp.tickets.models import EventKind, Ticket, TicketEvent
from ecmp.tickets.selectors import SupportTeams
from ecmp.tickets.subscribers import EventSubscriber
from ecmp.webhooks import event_types as types
from ecmp.webhooks import services
from ecmp.webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)

TICKET_EVENT_TYPES: dict[str, str] = {
    EventKind.CREATED: types.TICKET_CREATED,
    EventKind.STATUS: types.TICKET_STATUS_CHANGED,
    EventKind.REOPENED: types.TICKET_STATUS_CHANGED,
    EventKind.ASSIGNED: types.TICKET_ASSIGNED,
    EventKind.PRIORITY: types.TICKET_PRIORITY_CHANGED,
    EventKind.REPLIED: types.MESSAGE_CREATED,
    EventKind.NOTE: types.NOTE_CREATED,
}


def _person(user: User | None) -> dict[str, str] | None:
    return None if user is None else {"name": user.full_name, "email": user.email}


def ticket_data(ticket: Ticket, assignee: User | None) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "organization": {"id": ticket.organization_id, "name": ticket.organization.name},
        "requester": _person(ticket.requester),
        "assignee": _person(assignee),
        "url": absolute_url(reverse("desk:ticket-detail", args=[ticket.number])),
    }


def ticket_event_data(event: TicketEvent, assignee: User | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ticket": ticket_data(event.ticket, assignee),
        "actor": _person(event.actor),
    }
    if event.kind in (EventKind.STATUS, EventKind.REOPENED, EventKind.PRIORITY):
        data["change"] = {"from": event.from_value, "to": event.to_value}
    elif event.kind == EventKind.ASSIGNED:
        data["change"] = {"from": event.from_value or None, "to": _person(assignee)}
    message = event.message
    if event.kind in (EventKind.REPLIED, EventKind.NOTE) and message is not None:
        data["message"] = {
            "id": message.pk,
            "author": _person(message.author),
            "text": message.body,
            "internal": message.internal,
        }
    return data


def payload(event_type: str, data: dict[str, Any], at: Any = None) -> dict[str, Any]:
    """The Standard Webhooks envelope: type, timestamp, data."""
    return {"type": event_type, "timestamp": (at or timezone.now()).isoformat(), "data": data}


def _subscribed(endpoints: list[WebhookEndpoint], event_type: str) -> list[WebhookEndpoint]:
    return [
        endpoint
        for endpoint in endpoints
        if event_type in endpoint.events
        and (event_type not in types.INTERNAL_ONLY or endpoint.internal)
    ]


class _Batch:
    def __init__(self, endpoints: list[WebhookEndpoint], assignees: dict[int, User]) -> None:
        self.endpoints, self.assignees = endpoints, assignees


class WebhookSubscriber(EventSubscriber):
    """Registered by WebhooksConfig.ready(): ticket events become deliveries."""

    def preload(self, tickets: list[Ticket]) -> _Batch | None:
        try:
            endpoints = services.endpoints_listening()
            assignee_ids = {t.assignee_id for t in tickets if t.assignee_id} if endpoints else set()
            assignees = User.objects.in_bulk(list(assignee_ids)) if assignee_ids else {}
        except Exception:
            logger.exception("webhooks: reading the endpoints failed")
            return None
        return _Batch(endpoints, assignees)

    def handle(self, event: TicketEvent, teams: SupportTeams, preloaded: _Batch | None) -> int:
        event_type = TICKET_EVENT_TYPES.get(event.kind)
        if preloaded is None or event_type is None:
            return 0
        endpoints = _subscribed(preloaded.endpoints, event_type)
        if not endpoints:
            return 0
        try:
            # A savepoint of our own: what fails here leaves the event's other work.
            with transaction.atomic():
                assignee = preloaded.assignees.get(event.ticket.assignee_id or 0)
                body = payload(event_type, ticket_event_data(event, assignee), event.created_at)
                return services.deliveries_create(
                    endpoints=endpoints, event_type=event_type, payload=body
                )
        except Exception:
            logger.exception("webhooks: event %s made no delivery", event.pk)
            return 0


def billing_event_received(event_type: str, data: dict[str, Any]) -> None:
    """Billing's events (billing/events.py), called after their transaction commits."""
    endpoints = _subscribed(services.endpoints_listening(), event_type)
    if endpoints:
        with transaction.atomic():
            services.deliveries_create(
                endpoints=endpoints, event_type=event_type, payload=payload(event_type, data)
            )
