"""Bulk actions on the queue's selected tickets: each ticket through the one-ticket
service, in its own transaction, with the same checks (the version the agent saw
included). One refusal does not stop the others: each ticket's result is returned."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import require_staff
from ecmp.tickets.models import Category, Ticket
from ecmp.tickets.selectors import tickets_visible_to
from ecmp.tickets.services.categories import ticket_category_set
from ecmp.tickets.services.common import clean_text
from ecmp.tickets.services.workflow import ticket_accept, ticket_assign, ticket_set_priority
from ecmp.tickets.status import Priority

BULK_MAX = 100


@dataclass(frozen=True)
class Selected:
    """A ticket as the queue showed it: its number and the version then (None: any)."""

    number: int
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    number: int
    subject: str
    done: bool
    # Why it was refused, or (done) what the agent should know, e.g. no time logged.
    note: str = ""


# Changes one ticket (raises ValidationError to refuse); returns a note, or "".
Change = Callable[[Ticket, int | None], str]


def tickets_bulk_apply(*, by: User, selected: Sequence[Selected], change: Change) -> list[Outcome]:
    """`change` on each selected ticket, in the order given, each on its own."""
    require_staff(by)
    unique = list({item.number: item for item in selected}.values())
    if not unique:
        raise ValidationError(_("Select at least one ticket."), code="empty")
    if len(unique) > BULK_MAX:
        raise ValidationError(
            _("Select at most %(max)s tickets at once.") % {"max": BULK_MAX}, code="too_many"
        )
    tickets = {
        ticket.number: ticket
        for ticket in tickets_visible_to(by)
        .filter(number__in=[item.number for item in unique])
        .select_related("requester", "organization", "assignee")
        .defer("search_document")
    }
    outcomes = []
    for item in unique:
        ticket = tickets.get(item.number)
        if ticket is None:
            reason = _("There is no ticket %(number)s.") % {"number": item.number}
            outcomes.append(Outcome(item.number, "", done=False, note=reason))
            continue
        try:
            note = change(ticket, item.version)
        except ValidationError as error:
            outcomes.append(Outcome(item.number, ticket.subject, False, " ".join(error.messages)))
        except PermissionDenied:
            reason = _("You may not change this ticket.")
            outcomes.append(Outcome(item.number, ticket.subject, done=False, note=reason))
        else:
            outcomes.append(Outcome(item.number, ticket.subject, done=True, note=note))
    return outcomes


def tickets_bulk_accept(*, by: User, selected: Sequence[Selected]) -> list[Outcome]:
    def accept(ticket: Ticket, version: int | None) -> str:
        ticket_accept(ticket=ticket, actor=by, version=version)
        return ""

    return tickets_bulk_apply(by=by, selected=selected, change=accept)


def tickets_bulk_assign(
    *, by: User, selected: Sequence[Selected], assignee: User | None
) -> list[Outcome]:
    def assign(ticket: Ticket, version: int | None) -> str:
        ticket_assign(ticket=ticket, actor=by, assignee=assignee, version=version)
        return ""

    return tickets_bulk_apply(by=by, selected=selected, change=assign)


def tickets_bulk_set_priority(
    *, by: User, selected: Sequence[Selected], priority: int, reason: str
) -> list[Outcome]:
    """The reason is asked once for all (refused at once when missing)."""
    require_staff(by)
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."), code="priority")
    reason = clean_text(reason, what=_("The reason"))

    def set_priority(ticket: Ticket, version: int | None) -> str:
        ticket_set_priority(
            ticket=ticket, actor=by, priority=priority, reason=reason, version=version
        )
        return ""

    return tickets_bulk_apply(by=by, selected=selected, change=set_priority)


def tickets_bulk_set_category(
    *, by: User, selected: Sequence[Selected], category: Category | None
) -> list[Outcome]:
    def set_category(ticket: Ticket, version: int | None) -> str:
        ticket_category_set(ticket=ticket, actor=by, category=category, version=version)
        return ""

    return tickets_bulk_apply(by=by, selected=selected, change=set_category)
