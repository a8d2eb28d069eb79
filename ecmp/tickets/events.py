"""Recording a ticket's events; what follows from them runs after commit."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from ecmp.tickets.models import EventKind, Message, Ticket, TicketEvent


def event_record(
    *,
    ticket: Ticket,
    actor: object | None,
    kind: EventKind,
    from_value: str = "",
    to_value: str = "",
    message: Message | None = None,
    internal: bool = False,
) -> TicketEvent:
    from ecmp.tickets.tasks import event_dispatch

    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        message=message,
        internal=internal,
    )
    transaction.on_commit(partial(event_dispatch.enqueue, event.pk))
    return event
