"""A team manager's Invoices page read by statements compiled once per process
(core/prepared.py): the invoices, the time per ticket and the time on the tickets
they may not see.

Each statement is the selector's own (`invoices_visible_to`,
`time_per_ticket_for_manager`, `hidden_time_entries`), compiled for a stand-in
manager of the same shape of the visibility rule (`visibility_shape`) with
placeholder ids. The first page of each list is read compiled; a later page goes
through the ORM with the same columns. Anyone but an active team manager of a
company gets what the selectors give them through the ORM.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from ecmp.accounts.models import Role, User
from ecmp.billing.models import Invoice
from ecmp.billing.selectors import (
    hidden_time_entries,
    invoices_visible_to,
    time_on_hidden_tickets_for_manager,
    time_per_ticket_for_manager,
)
from ecmp.core.counting import rows_counted
from ecmp.core.prepared import INTEGER, Counted, Prepared
from ecmp.core.prepared_rows import ConvertedRead, Joined, attnames
from ecmp.tickets.selectors import visibility_shape, visibility_stand_in

Shape = tuple[bool, bool, bool]

_INVOICE = Joined(Invoice, attnames(Invoice), {})


class TicketTime(NamedTuple):
    """A ticket's time as the page shows it (minutes)."""

    number: int
    subject: str
    minutes: int
    billable_minutes: int


TICKET_TIME = ("number", "subject", "minutes", "billable_minutes")


def _manager(organization_id: int) -> User:
    return User(
        role=Role.CUSTOMER,
        is_active=True,
        is_team_manager=True,
        organization_id=organization_id,
    )


def _stand_in(shape: Shape, user_id: int, organization_id: int) -> User:
    user = visibility_stand_in(shape, user_id, organization_id)
    user.is_team_manager = True  # the rule reads the company's setting too (shape)
    return user


# --- Invoices -----------------------------------------------------------------------


def _invoices(organization_id: int) -> QuerySet[Invoice]:
    # ConvertedRead finds the columns' converters from a build with 0 for each value:
    # for no company the selector has no statement (any other id gives the columns).
    return invoices_visible_to(_manager(organization_id or 1))


@lru_cache(maxsize=8)
def _invoice_page(size: int) -> ConvertedRead:
    build = lambda org: _invoices(org).values_list(*_INVOICE.columns)[:size]  # noqa: E731
    return ConvertedRead(build, (INTEGER,))


_INVOICE_COUNT = Prepared(lambda org: rows_counted(_invoices(org)), (INTEGER,))


def invoice_rows(user: User, offset: int, size: int) -> list[Invoice]:
    """`invoices_visible_to(user)`'s invoices from `offset` (models of their own columns)."""
    if user.manages_a_team and offset == 0:
        rows = _invoice_page(size).rows(user.organization_id)
        return [_INVOICE.instance(row) for row in rows]
    return list(invoices_visible_to(user)[offset : offset + size])


def invoice_count(user: User) -> int:
    if not user.manages_a_team:
        return invoices_visible_to(user).count()
    return int(_INVOICE_COUNT.rows(user.organization_id)[0][0])


# --- Time per ticket ----------------------------------------------------------------


def _times(shape: Shape, user_id: int, organization_id: int) -> QuerySet[Any, Any]:
    user = _stand_in(shape, user_id, organization_id)
    return time_per_ticket_for_manager(user).values_list(*TICKET_TIME)


@lru_cache(maxsize=16)
def _time_page(shape: Shape, size: int) -> Prepared:
    return Prepared(lambda *ids: _times(shape, *ids)[:size], (INTEGER, INTEGER))


@lru_cache(maxsize=8)
def _time_count(shape: Shape) -> Prepared:
    return Counted(partial(_times, shape), (INTEGER, INTEGER))


def ticket_time_rows(user: User, offset: int, size: int) -> list[TicketTime]:
    """`time_per_ticket_for_manager(user)`'s tickets from `offset`, as plain rows."""
    if user.manages_a_team and offset == 0:
        read = _time_page(visibility_shape(user), size)
        rows = read.rows(user.pk, user.organization_id)
        return [TicketTime._make(row) for row in rows]
    tickets = time_per_ticket_for_manager(user)[offset : offset + size]  # none but a manager's
    return [TicketTime(*(getattr(t, name) for name in TICKET_TIME)) for t in tickets]


def ticket_time_count(user: User) -> int:
    if not user.manages_a_team:
        return time_per_ticket_for_manager(user).count()
    read = _time_count(visibility_shape(user))
    return int(read.rows(user.pk, user.organization_id)[0][0])


# --- The time on tickets the manager may not see ------------------------------------


def _hidden(shape: Shape, user_id: int, organization_id: int) -> QuerySet[Any, Any]:
    # One group: the entries are the company's (grouped by it, an empty set gives no row).
    entries = hidden_time_entries(_stand_in(shape, user_id, organization_id))
    return (
        entries.order_by()
        .values("ticket__organization_id")
        .annotate(
            ticket_count=Count("ticket", distinct=True),
            total=Coalesce(Sum("minutes"), 0),
            billable=Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
        )
        .values_list("ticket_count", "total", "billable")
    )


@lru_cache(maxsize=8)
def _hidden_read(shape: Shape) -> Prepared:
    return Prepared(partial(_hidden, shape), (INTEGER, INTEGER))


def hidden_time(user: User) -> dict[str, int]:
    """`time_on_hidden_tickets_for_manager(user)`."""
    if not user.manages_a_team:
        return time_on_hidden_tickets_for_manager(user)
    rows = _hidden_read(visibility_shape(user)).rows(user.pk, user.organization_id)
    tickets, minutes, billable = rows[0] if rows else (0, 0, 0)
    return {"tickets": int(tickets), "minutes": int(minutes), "billable_minutes": int(billable)}
