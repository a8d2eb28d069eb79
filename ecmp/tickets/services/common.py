"""What every ticket service shares: locking, versions, permissions, SLA deadlines."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.sla.selectors import calendar_load, sla_target_for
from ecmp.tickets.models import Ticket, TicketCounter
from ecmp.tickets.selectors import ticket_visible_to, tickets_visible_to
from ecmp.tickets.status import Priority, Status

SUBJECT_MAX = 200


def next_number() -> int:
    """The next ticket number; the counter row stays locked until the transaction ends."""
    # One statement (UPDATE … RETURNING: SQLite 3.35+, PostgreSQL) on every new ticket.
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE id = 1 RETURNING last_number"  # noqa: S608 (our table's name)
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            TicketCounter.objects.create(pk=1, last_number=settings.ECMP_TICKET_FIRST_NUMBER)
        return int(settings.ECMP_TICKET_FIRST_NUMBER)
    except IntegrityError:
        # Another process created the counter first: take the next number after it.
        return next_number()


def lock_number(number: int, *, visible_to: User) -> Ticket | None:
    """The ticket with this number if `visible_to` may see it, locked for this
    transaction; None otherwise, and then nothing is locked.

    For a caller that must read the ticket before it knows what to do with it (a
    reply by mail) and then passes it to a service with `already_locked=True`: one
    read of the row, not two."""
    visible = tickets_visible_to(visible_to).select_for_update(of=("self",))
    try:
        return visible.get(number=number)
    except Ticket.DoesNotExist:
        return None


def lock(ticket: Ticket, *, version: int | None = None, already_locked: bool = False) -> Ticket:
    """The ticket's row, locked for this transaction, checked against the form's version.

    `already_locked`: the caller read `ticket` with `lock_number` in this transaction."""
    # The row alone: the services decide from its own columns (the requester's id, the
    # status, the version…), and joining more cost more to build than to run.
    locked = (
        ticket
        if already_locked
        else Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    )
    if version is not None and locked.version != version:
        raise ValidationError(
            _("This ticket changed since you opened it. Look at the change, then try again."),
            code="stale",
        )
    return locked


def save(locked: Ticket, fields: list[str]) -> None:
    """Write the changed fields and raise the version."""
    locked.version += 1
    locked.save(update_fields=sorted({*fields, "version"}))


def refresh(ticket: Ticket, locked: Ticket) -> None:
    """Let the caller's object show what was written."""
    for field in (
        "status",
        "closed_at",
        "archived_at",
        "last_activity_at",
        "first_response_at",
        "priority",
        "assignee_id",
        "sla_due_at",
        "resolution_due_at",
        "version",
    ):
        setattr(ticket, field, getattr(locked, field))


def require_writable_by(ticket: Ticket, actor: User) -> None:
    if not ticket_visible_to(actor, ticket):
        raise PermissionDenied
    if ticket.is_archived:
        raise ValidationError(
            _("This ticket is archived: it can no longer be changed. Open a new ticket instead.")
            if not actor.is_support_staff
            else _("This ticket is archived: unarchive it first."),
            code="archived",
        )


def effective_priority(requester: User, requested: int) -> int:
    """A client company put on "Normal for every ticket" cannot choose another."""
    organization = requester.organization
    if organization is not None and organization.priority_locked:
        return Priority.NORMAL
    return requested if requested in Priority.values else Priority.NORMAL


def clean_text(value: str, *, what: str, limit: int | None = None) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise ValidationError(_("%(what)s is required.") % {"what": what}, code="required")
    if limit is not None and len(value) > limit:
        raise ValidationError(
            _("%(what)s is too long (at most %(limit)s characters).")
            % {"what": what, "limit": limit},
            code="too_long",
        )
    return value


def sla_set_deadlines(ticket: Ticket, *, since: datetime, resolution_only: bool = False) -> None:
    """Deadlines from the priority's targets, counted in business time from `since`."""
    target = sla_target_for(ticket.priority, ticket.contract_id)  # its contract's, else defaults
    if target is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
    else:
        calendar = calendar_load(ticket.contract_id)
        if not resolution_only:
            ticket.first_response_due_at = calendar.add_business_minutes(
                since, target.first_response_minutes
            )
        ticket.resolution_due_at = calendar.add_business_minutes(since, target.resolution_minutes)
    sla_refresh(ticket)


def sla_refresh(ticket: Ticket) -> None:
    """The deadline that matters now: first response, then resolution; none once closed."""
    if ticket.status == Status.CLOSED or ticket.archived_at is not None:
        ticket.sla_due_at = None
    elif ticket.waiting_since is not None:
        ticket.sla_due_at = None  # the clock stands still while waiting (services/waiting.py)
    elif ticket.first_response_at is None:
        ticket.sla_due_at = ticket.first_response_due_at
    else:
        ticket.sla_due_at = ticket.resolution_due_at


SLA_FIELDS = ["first_response_due_at", "resolution_due_at", "sla_due_at"]
