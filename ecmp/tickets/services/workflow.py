"""The support team's actions on a ticket, and the customer's Close."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import is_staff_member, require_staff
from ecmp.tickets.events import event_record
from ecmp.tickets.models import EventKind, Message, Ticket, TicketEvent
from ecmp.tickets.search import search_text_add
from ecmp.tickets.services.common import (
    SLA_FIELDS,
    clean_text,
    lock,
    refresh,
    require_writable_by,
    save,
    sla_refresh,
    sla_set_deadlines,
)
from ecmp.tickets.services.waiting import waiting_stop
from ecmp.tickets.status import Priority, Status, can_transition

STATUS_FIELDS = [
    *("status", "closed_at", "last_activity_at", "first_response_at", "waiting_since"),
    *SLA_FIELDS,
]


def _never_accepted(ticket: Ticket) -> bool:
    """No agent ever took the ticket into account (New to Open or Wait)."""
    return not TicketEvent.objects.filter(
        ticket=ticket,
        kind=EventKind.STATUS,
        from_value=Status.NEW,
        to_value__in=[Status.OPEN, Status.WAIT],
    ).exists()


def apply_status(
    ticket: Ticket,
    actor: User,
    target: str,
    *,
    now: datetime | None = None,
    message: Message | None = None,
) -> None:
    """Set the status and record it; reopening is an event of its own.

    A ticket closed before any agent accepted it reopens as New, so it goes back to
    the New queue rather than lying Open with nobody on it. `message`: the public
    note the status change carries (a close's resolution), one event for both.
    """
    now = now or timezone.now()
    previous = ticket.status
    if previous == Status.CLOSED and target == Status.OPEN and _never_accepted(ticket):
        target = Status.NEW
    ticket.status = target
    ticket.closed_at = now if target == Status.CLOSED else None
    if target == Status.CLOSED:
        # Nothing left to wait for: the deadlines move by the time waited, as the
        # support reports compare them with the close (services/waiting.py).
        waiting_stop(ticket, actor=actor, now=now)
    ticket.last_activity_at = now
    if actor.is_support_staff and ticket.first_response_at is None and target != Status.NEW:
        # Taking the ticket into account is a response, as the manual counts it.
        ticket.first_response_at = now
    sla_refresh(ticket)
    event_record(
        ticket=ticket,
        actor=actor,
        kind=EventKind.REOPENED if previous == Status.CLOSED else EventKind.STATUS,
        from_value=previous,
        to_value=target,
        message=message,
    )


def check_transition(ticket: Ticket, target: str) -> None:
    if ticket.status == target:
        raise ValidationError(_("The ticket is already in this status."), code="same")
    if not can_transition(ticket.status, target):
        raise ValidationError(
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": Status(ticket.status).label, "to": Status(target).label},
            code="transition",
        )


def ticket_transition(
    *,
    ticket: Ticket,
    actor: User,
    status: str,
    note: str = "",
    version: int | None = None,
) -> Ticket:
    """Move a ticket along the transition table; customers may only close theirs.

    A note given when closing is a public message: the customer reads how it
    was resolved.
    """
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        if not is_staff_member(actor) and status != Status.CLOSED:
            raise PermissionDenied
        check_transition(locked, status)
        now = timezone.now()
        note = (note or "").replace("\x00", "").strip()
        message = None
        if note and status == Status.CLOSED:
            # The note rides on the close's event: one entry in the thread, one
            # notification and one email (the close, with the note) for the customer.
            message = Message.objects.create(ticket=locked, author=actor, body=note, created_at=now)
            search_text_add(locked.pk, note)
        if locked.status == Status.CLOSED:
            # A reopened ticket gets a fresh resolution target.
            sla_set_deadlines(locked, since=now, resolution_only=True)
        apply_status(locked, actor, status, now=now, message=message)
        save(locked, STATUS_FIELDS)
    refresh(ticket, locked)
    return ticket


def ticket_accept(*, ticket: Ticket, actor: User, version: int | None = None) -> Ticket:
    """New → Open: the support team takes the ticket into account.

    The agent who accepts becomes the assignee when nobody is. Of two agents
    accepting at once, the second is told the ticket is no longer new.
    """
    require_staff(actor)
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        if locked.status != Status.NEW:
            raise ValidationError(
                _("This ticket was already accepted by someone else."), code="not_new"
            )
        if locked.assignee_id is None:
            locked.assignee = actor
            event_record(
                ticket=locked,
                actor=actor,
                kind=EventKind.ASSIGNED,
                to_value=actor.get_full_name(),
                internal=True,
            )
        apply_status(locked, actor, Status.OPEN)
        save(locked, [*STATUS_FIELDS, "assignee"])
    refresh(ticket, locked)
    return ticket


def ticket_assign(
    *, ticket: Ticket, actor: User, assignee: User | None, version: int | None = None
) -> Ticket:
    require_staff(actor)
    if assignee is not None and not is_staff_member(assignee):
        raise ValidationError(_("Tickets can only be assigned to agents."), code="not_agent")
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        if locked.assignee_id == (assignee.pk if assignee else None):
            raise ValidationError(_("The ticket is already assigned so."), code="same")
        previous = locked.assignee.get_full_name() if locked.assignee is not None else ""
        locked.assignee = assignee
        event_record(
            ticket=locked,
            actor=actor,
            kind=EventKind.ASSIGNED,
            from_value=previous[:100],
            to_value=(assignee.get_full_name() if assignee else "")[:100],
            internal=True,
        )
        save(locked, ["assignee"])
    refresh(ticket, locked)
    return ticket


def ticket_set_priority(
    *,
    ticket: Ticket,
    actor: User,
    priority: int,
    reason: str,
    version: int | None = None,
) -> Ticket:
    """The support team raises or lowers a priority; the reason stays internal."""
    require_staff(actor)
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."), code="priority")
    reason = clean_text(reason, what=_("The reason"))
    with transaction.atomic():
        locked = lock(ticket, version=version)
        require_writable_by(locked, actor)
        if locked.priority == priority:
            raise ValidationError(_("The ticket already has this priority."), code="same")
        previous = locked.priority
        locked.priority = priority
        now = timezone.now()
        event_record(
            ticket=locked,
            actor=actor,
            kind=EventKind.PRIORITY,
            from_value=str(previous),
            to_value=str(priority),
        )
        note = Message.objects.create(
            ticket=locked,
            author=actor,
            internal=True,
            created_at=now,
            # The reason alone: the priority event just above it says, in each
            # reader's language, from which priority to which.
            body=reason,
        )
        search_text_add(locked.pk, note.body)
        event_record(ticket=locked, actor=actor, kind=EventKind.NOTE, message=note, internal=True)
        sla_set_deadlines(
            locked, since=locked.created_at, resolution_only=locked.first_response_at is not None
        )
        save(locked, ["priority", *SLA_FIELDS])
    refresh(ticket, locked)
    return ticket


def ticket_unarchive(*, ticket: Ticket, actor: User, version: int | None = None) -> Ticket:
    require_staff(actor)
    with transaction.atomic():
        locked = lock(ticket, version=version)
        if locked.archived_at is None:
            raise ValidationError(_("This ticket is not archived."), code="not_archived")
        locked.archived_at = None
        locked.last_activity_at = timezone.now()
        event_record(ticket=locked, actor=actor, kind=EventKind.UNARCHIVED)
        save(locked, ["archived_at", "last_activity_at"])
    refresh(ticket, locked)
    return ticket
