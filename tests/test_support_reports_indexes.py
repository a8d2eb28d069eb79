"""PostgreSQL reads the support reports' period through indexes (the covering ones of
tickets/0009_report_indexes at scale), never by a scan of the tickets' wide rows."""

import pytest
from django.db import connection

from ecmp.tickets.reports import ReportPeriod, _base_rows, _statement
from tests.support_reports_data import PERIOD, build_desk

pytestmark = pytest.mark.postgresql


def plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on")


def test_the_times_read_the_period_through_indexes(alice, carol, agnes, adam):
    build_desk(alice, carol, agnes, adam)
    base, params = _base_rows(ReportPeriod(*PERIOD))
    found = plan(_statement(base, postgresql=True), params)
    # Both parts of the period (opened in it; closed in it, opened before) through an
    # index. Which one depends on the tiny test table's statistics (after seed_bench's
    # test, its ANALYZE counts rows since rolled back); at a million tickets it is the
    # covering indexes alone, Heap Fetches: 0 (docs/performance.md, bench/reports.py).
    scans = [line for line in found.splitlines() if " on tickets_ticket" in line]
    assert len(scans) == 2, found
    assert not any("Seq Scan" in line for line in scans), found


def test_the_indexes_exist_with_what_they_carry(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_ticket' "
            "AND indexname LIKE 'ticket_report_%%'"
        )
        found = dict(cursor.fetchall())
    assert set(found) == {"ticket_report_opened", "ticket_report_closed"}
    assert "INCLUDE (id, organization_id" in found["ticket_report_opened"]
    assert "WHERE ((status)::text = 'closed'::text)" in found["ticket_report_closed"]
