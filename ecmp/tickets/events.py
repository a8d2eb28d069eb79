"""Recording a ticket's events; what follows from them runs after commit (followups),
through the subscribers of tickets/subscribers.py."""

from __future__ import annotations

from ecmp.accounts.models import User
from ecmp.core.followups import after_commit
from ecmp.tickets.models import EventKind, Message, Ticket, TicketEvent
from ecmp.tickets.tasks import event_dispatch


def event_record(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: EventKind,
    from_value: str = "",
    to_value: str = "",
    message: Message | None = None,
    internal: bool = False,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        message=message,
        internal=internal,
    )
    after_commit(event_dispatch, event.pk)
    return event
