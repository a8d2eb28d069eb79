"""The unresolved queue by deadline, the view agents live in, is read in the order of
its partial index (tickets/queue_reads.py): the tickets with a deadline, then those
without one. The same rows in the same order as the selector's `ORDER BY sla_due_at
ASC NULLS LAST, number DESC`, page after page, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecmp.core.prepared import sql_literal
from ecmp.core.prepared_rows import moment
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.queue_reads import (
    _DATED,
    _UNDATED,
    ROW,
    _sqlite_indexed,
    queue_page_rows,
)
from ecmp.tickets.selectors import ticket_list_for_desk
from ecmp.tickets.status import Status
from tests.factories import make_ticket

BY_DUE = {"queue": "open", "sort": "due"}


def _orm(user, offset, size):
    query = ticket_list_for_desk(user, **BY_DUE).values_list(*ROW)
    return [tuple(row) for row in query[offset : offset + size]]


def _same(rows):
    # Datetimes as the pages read them (prepared rows carry no field converters).
    return [tuple(moment(v) if i in (6, 7, 8, 9) else v for i, v in enumerate(r)) for r in rows]


def _tickets(requesters, n):
    return [make_ticket(requesters[k % len(requesters)], subject=f"T{k}") for k in range(n)]


def _dues(tickets, dues):
    for ticket, due in zip(tickets, dues, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)


def _every_page(user, total):
    for size in (1, 2, 3, 5, 25):
        for offset in range(total + 3):
            expected = _orm(user, offset, size)
            for count in (None, total):  # the queue's count known or not
                got = queue_page_rows(user, BY_DUE, offset=offset, size=size, count=count)
                assert _same(got) == expected, (offset, size, count)


def test_deadlines_ties_and_none_read_as_the_selector_sorts(alice, carol, agnes):
    tickets = _tickets([alice, carol], 11)
    now = timezone.now().replace(microsecond=0)
    tie = now + timedelta(hours=3)
    _dues(
        tickets,
        [
            now + timedelta(hours=5),
            tie,
            None,
            tie,  # same deadline: the higher number first
            now - timedelta(hours=1),  # overdue
            None,
            tie,
            now + timedelta(days=2),
            None,
            now + timedelta(minutes=1),
            now + timedelta(hours=5),
        ],
    )
    # Neither a closed ticket nor an archived one is in the queue, deadline or not.
    services.ticket_transition(ticket=tickets[7], actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=tickets[8].pk).update(archived_at=now)
    Ticket.objects.filter(pk=tickets[0].pk).update(status=Status.WAIT)
    assert len(_orm(agnes, 0, 100)) == 9
    _every_page(agnes, 9)


@pytest.mark.parametrize("dated", [0, 1, 4])
def test_all_or_most_without_a_deadline(alice, agnes, dated):
    tickets = _tickets([alice], 5)
    now = timezone.now()
    _dues(tickets, [now + timedelta(hours=k) if k < dated else None for k in range(5)])
    _every_page(agnes, 5)


def test_an_empty_queue_reads_nothing(agnes):
    assert queue_page_rows(agnes, BY_DUE, offset=0, size=25) == []
    assert queue_page_rows(agnes, BY_DUE, offset=50, size=25) == []


def test_a_customer_reads_nothing_by_deadline(alice):
    make_ticket(alice)
    assert queue_page_rows(alice, BY_DUE, offset=0, size=25) == []


@pytest.mark.sqlite
def test_sqlite_reads_both_parts_from_the_index_without_sorting(db):
    for read in (_DATED, _UNDATED):
        sql, params, slots = read._statement("default")
        assert 'INDEXED BY "ticket_unresolved_due"' in sql
        values = [
            25 if slot == 0 else 0 if slot == 1 else p
            for p, slot in zip(params, slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, values)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING INDEX ticket_unresolved_due" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_the_constants_are_written_as_sql_writes_text():
    assert sql_literal("open") == "'open'"
    assert sql_literal("it's 100%") == "'it''s 100%%'"
    sql = 'SELECT 1 FROM "tickets_ticket" WHERE "status" IN (%s, %s) AND x LIKE \'a%%s\''
    assert _sqlite_indexed(sql, ("new", "open"), "ix") == (
        'SELECT 1 FROM "tickets_ticket" INDEXED BY "ix" WHERE "status" IN '
        "('new', 'open') AND x LIKE 'a%%s'"
    )
    with pytest.raises(ValueError):  # a value of the request's: not written in
        _sqlite_indexed('SELECT 1 FROM "tickets_ticket" WHERE id = %s', (7,), "ix")
    for params in ((), ("new", "open")):  # not one parameter per placeholder
        with pytest.raises(ValueError):
            _sqlite_indexed('SELECT 1 FROM "tickets_ticket" WHERE "status" = %s', params, "ix")
    with pytest.raises(ValueError):  # a statement that reads the table twice
        _sqlite_indexed(
            'SELECT 1 FROM "tickets_ticket" , (SELECT 1 FROM "tickets_ticket" )', (), "ix"
        )


def test_a_known_count_spares_looking_for_tickets_without_a_deadline(alice, agnes):
    tickets = _tickets([alice], 3)
    _dues(tickets, [timezone.now() + timedelta(hours=k) for k in range(3)])
    with CaptureQueriesContext(connection) as unknown:
        queue_page_rows(agnes, BY_DUE, offset=0, size=25)
    with CaptureQueriesContext(connection) as known:
        rows = queue_page_rows(agnes, BY_DUE, offset=0, size=25, count=3)
    assert len(rows) == 3
    assert len(unknown) == 2 and len(known) == 1
    # One without a deadline: looked for, the count saying there is more.
    Ticket.objects.filter(pk=tickets[1].pk).update(sla_due_at=None)
    rows = queue_page_rows(agnes, BY_DUE, offset=0, size=25, count=3)
    assert [row[0] for row in rows] == [tickets[0].number, tickets[2].number, tickets[1].number]
