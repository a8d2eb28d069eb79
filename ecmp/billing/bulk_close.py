"""Closing the queue's selected tickets at once, each as the ticket page's Close does
(billing/composer.py): with the same note, and asking for time as ECMP_TIME_ON_CLOSE
says — `require`: a ticket without time is refused with that reason; `warn`: it is
closed, and its result says no time was logged."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.billing.composer import ticket_close
from ecmp.tickets.models import Ticket
from ecmp.tickets.services.bulk import Outcome, Selected, tickets_bulk_apply


def tickets_bulk_close(*, by: User, selected: Sequence[Selected], note: str = "") -> list[Outcome]:
    def close(ticket: Ticket, version: int | None) -> str:
        done = ticket_close(ticket=ticket, agent=by, note=note, version=version)
        return _("No time was logged on this ticket.") if done.closed_without_time else ""

    return tickets_bulk_apply(by=by, selected=selected, change=close)
