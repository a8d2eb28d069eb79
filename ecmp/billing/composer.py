"""The desk's composer: an answer, the time it took and the ticket's next status,
written together through the ticket and time-entry services, or not at all.

Here, above tickets and billing both: closing asks whether time was logged
(`ECMP_TIME_ON_CLOSE`), and time entries are billing's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.billing.models import ActivityType, TimeEntry
from ecmp.billing.services import time_entry_create
from ecmp.core.access import require_staff
from ecmp.tickets.models import Message, Ticket
from ecmp.tickets.services import ticket_reply, ticket_transition
from ecmp.tickets.services.common import lock, require_writable_by
from ecmp.tickets.services.waiting import ticket_waiting_set
from ecmp.tickets.status import Status


@dataclass(frozen=True)
class TimeSpent:
    minutes: int
    activity_type: ActivityType
    billable: bool


@dataclass(frozen=True)
class Composed:
    message: Message | None
    entry: TimeEntry | None
    # Closed with no time on the ticket, under ECMP_TIME_ON_CLOSE=warn: the page says so.
    closed_without_time: bool


def _no_time_on(ticket: Ticket) -> bool:
    return not TimeEntry.objects.filter(ticket_id=ticket.pk).exists()


def ticket_compose(
    *,
    ticket: Ticket,
    agent: User,
    body: str = "",
    files: Sequence[UploadedFile] = (),
    internal: bool = False,
    time: TimeSpent | None = None,
    status: str | None = None,
    version: int | None = None,
    ask: bool = False,
) -> Composed:
    """A reply or internal note, the time spent (logged today), then Wait or Closed.

    Text is required unless the agent only logs time (no files then): a status
    change alone is the page's own buttons. Any refusal (a stale version, a
    transition the table forbids, closing with no time under `require`) leaves
    nothing written.
    """
    require_staff(agent)
    body = (body or "").strip()
    if not body and (files or time is None):
        raise ValidationError(
            _("Write a message, or type the time spent to log time only."), code="empty"
        )
    return _compose(
        ticket=ticket,
        agent=agent,
        body=body,
        files=files,
        internal=internal,
        time=time,
        status=status,
        version=version,
        ask=ask,
    )


def ticket_close(
    *, ticket: Ticket, agent: User, note: str = "", version: int | None = None
) -> Composed:
    """The page's Close, with its optional public note: asks for time as the composer does."""
    require_staff(agent)
    return _compose(
        ticket=ticket, agent=agent, body=(note or "").strip(), status=Status.CLOSED, version=version
    )


def _compose(
    *,
    ticket: Ticket,
    agent: User,
    body: str,
    files: Sequence[UploadedFile] = (),
    internal: bool = False,
    time: TimeSpent | None = None,
    status: str | None = None,
    version: int | None = None,
    ask: bool = False,
) -> Composed:
    """`ask`: "Send and wait for the answer", the public reply asks the customer a
    question and the ticket waits for their answer (tickets/services/waiting.py)."""
    if ask and (internal or not body or status):
        raise ValidationError(
            _("Write your question to the customer as a public reply to wait for their answer."),
            code="ask_without_reply",
        )
    closing = status == Status.CLOSED
    policy = settings.ECMP_TIME_ON_CLOSE
    with transaction.atomic():
        # The ticket first, so that two agents wait for each other rather than deadlock.
        locked = lock(ticket, version=version)
        require_writable_by(locked, agent)
        missing = closing and time is None and policy != "off" and _no_time_on(locked)
        if missing and policy == "require":
            raise ValidationError(
                _("Log the time spent on this ticket before closing it."), code="time_required"
            )
        entry = None
        if time is not None:
            entry = time_entry_create(
                ticket=locked,
                agent=agent,
                day=timezone.localdate(),
                minutes=time.minutes,
                activity_type=time.activity_type,
                billable=time.billable,
            )
        message = None
        if body:
            # Last: it stores the files, and removes them itself if it is refused.
            message = ticket_reply(
                ticket=ticket,
                author=agent,
                body=body,
                files=files,
                internal=internal,
                status=status,
                version=version,
            )
        elif status:
            ticket_transition(ticket=ticket, actor=agent, status=status, version=version)
        if ask and ticket.waiting_since is None:  # already waiting: it goes on waiting
            ticket_waiting_set(ticket=ticket, actor=agent)  # the reply checked the version
    return Composed(message=message, entry=entry, closed_without_time=missing)
