""" "Waiting for your answer": an agent asked the customer a question (issue 19).

A mark, not a status: the four statuses stay as they are, and a ticket in any
unresolved status may wait. While it waits the SLA clock stops:

- `sla_due_at` holds NULL (`common.sla_refresh`), so the due-sorted queue puts
  waiting tickets last, they count as neither overdue nor at risk, and the SLA job
  announces no breach (it also skips them by `waiting_since`);
- when the mark clears, the open deadlines (the resolution, and the first response
  if none was given yet) move later by the business time spent waiting, counted
  with the ticket's calendar, and `sla_due_at` is the next of them again.

It clears when the customer (the requester or a follower) writes, on the web or by
email (`conversation.ticket_reply`, in its transaction), when an agent stops it by
hand, and when the ticket is closed (`workflow.apply_status`).

Its events are internal: the customer sees the mark on the ticket and in the lists,
and the agent's question is the reply they were sent; no second email or notification.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import require_staff
from ecmp.sla.calendar import BusinessCalendar
from ecmp.sla.selectors import calendar_load
from ecmp.tickets.events import event_record
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.services.common import (
    SLA_FIELDS,
    lock,
    refresh,
    require_writable_by,
    save,
    sla_refresh,
)
from ecmp.tickets.status import Status

WAITING_FIELDS = ["waiting_since", *SLA_FIELDS]


def _calendar(ticket: Ticket) -> BusinessCalendar:
    """The business hours the ticket's deadlines were counted in (its contract's)."""
    return calendar_load(ticket.contract_id)


def waiting_start(locked: Ticket, *, actor: User, now: datetime) -> list[str]:
    """Set the mark on a locked ticket in the caller's transaction; the fields to save.

    For a service that already checked who acts (the composer's "Send and wait for
    the answer")."""
    if locked.status == Status.CLOSED:
        raise ValidationError(
            _("A closed ticket cannot wait for the customer's answer."), code="closed"
        )
    if locked.waiting_since is not None:
        raise ValidationError(
            _("This ticket already waits for the customer's answer."), code="same"
        )
    locked.waiting_since = now
    sla_refresh(locked)
    event_record(ticket=locked, actor=actor, kind=EventKind.WAITING_SET, internal=True)
    return WAITING_FIELDS


def waiting_stop(locked: Ticket, *, actor: User | None, now: datetime) -> list[str]:
    """Clear the mark, if set, on a locked ticket in the caller's transaction, moving
    the open deadlines later by the business time waited; the fields to save (none
    when it was not waiting)."""
    since = locked.waiting_since
    if since is None:
        return []
    calendar = _calendar(locked)
    waited = calendar.business_minutes_between(since, now)
    if waited > 0:
        if locked.first_response_at is None and locked.first_response_due_at is not None:
            locked.first_response_due_at = calendar.add_business_minutes(
                locked.first_response_due_at, waited
            )
        if locked.resolution_due_at is not None:
            locked.resolution_due_at = calendar.add_business_minutes(
                locked.resolution_due_at, waited
            )
    locked.waiting_since = None
    sla_refresh(locked)
    event_record(
        ticket=locked,
        actor=actor,
        kind=EventKind.WAITING_CLEARED,
        to_value=str(waited),  # business minutes the clock stood still
        internal=True,
    )
    return WAITING_FIELDS


def ticket_waiting_set(*, ticket: Ticket, actor: User, version: int | None = None) -> Ticket:
    """An agent asked the customer a question: "Waiting for your answer"."""
    require_staff(actor)
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        save(locked, waiting_start(locked, actor=actor, now=timezone.now()))
    refresh(ticket, locked)
    ticket.waiting_since = locked.waiting_since
    return ticket


def ticket_waiting_clear(*, ticket: Ticket, actor: User, version: int | None = None) -> Ticket:
    """An agent stops waiting for the customer's answer (the answer came by phone…)."""
    require_staff(actor)
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        changed = waiting_stop(locked, actor=actor, now=timezone.now())
        if not changed:
            raise ValidationError(
                _("This ticket does not wait for the customer's answer."), code="not_waiting"
            )
        save(locked, changed)
    refresh(ticket, locked)
    ticket.waiting_since = locked.waiting_since
    return ticket
