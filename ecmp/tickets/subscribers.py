"""Who acts on a ticket's events: the apps above tickets (notifications, mail)
subscribe from their AppConfig.ready(), so tickets never imports them
(docs/architecture.md, "Layers")."""

from __future__ import annotations

from typing import Any

from ecmp.tickets.models import Ticket, TicketEvent
from ecmp.tickets.selectors import SupportTeams


class EventSubscriber:
    """One app's part in dispatching ticket events (tickets/tasks.py, in the worker).

    For each batch of events, `preload` reads what the batch needs at once and
    returns it; then each event is handled, given the batch's support teams and what
    `preload` returned, by every subscriber in one savepoint: a subscriber that fails
    undoes the others' work for that event too.
    """

    def preload(self, tickets: list[Ticket]) -> Any:
        """Read, at once, what the batch's events will need (their tickets in order)."""
        return None

    def handle(self, event: TicketEvent, teams: SupportTeams, preloaded: Any) -> int:
        """Act on one event; returns how many things it made (notifications, emails)."""
        raise NotImplementedError


# By name, so that a second ready() replaces rather than doubles; in registration
# order (INSTALLED_APPS): notifications, then mail.
_subscribers: dict[str, EventSubscriber] = {}


def event_subscribe(name: str, subscriber: EventSubscriber) -> None:
    _subscribers[name] = subscriber


def event_subscribers() -> list[EventSubscriber]:
    return list(_subscribers.values())
