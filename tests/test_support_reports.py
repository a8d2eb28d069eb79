"""The support manager's reports (issue 18 §7): known tickets, exact figures.

Times are in minutes. Percentiles interpolate between the two nearest values
(PostgreSQL's percentile_cont): for n sorted values, p at position p·(n-1).
The same figures on SQLite and PostgreSQL, and on PostgreSQL by both of its ways.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils.translation import override

from ecmp.tickets.reports import Figures, ReportPeriod, response_times
from ecmp.tickets.reports_flow import backlog, opened_by_channel, sla_compliance, sla_total
from tests.support_reports_data import FAR, PERIOD, at, build_desk, put


@pytest.fixture
def desk(alice, carol, agnes, adam):
    return build_desk(alice, carol, agnes, adam)


def figures_of(rows):
    return {row.label: (row.first_response, row.resolution) for row in rows}


def times(**kwargs):
    return response_times(ReportPeriod(*PERIOD, **kwargs))


def test_first_response_and_resolution_over_every_ticket(desk):
    overall = times()["all"]
    assert len(overall) == 1
    # First responses: 5 10 15 20 30 40 60 (odd). Resolutions: 60 100 120 180 300 2160 (even).
    assert overall[0].first_response == Figures(7, 20.0, 48.0)
    assert overall[0].resolution == Figures(6, 150.0, 1230.0)


def test_per_client(desk):
    rows = times()["client"]
    assert [row.label for row in rows] == ["Acme", "Globex"]
    assert figures_of(rows) == {
        "Acme": (Figures(4, 25.0, 37.0), Figures(4, 150.0, 1566.0)),
        "Globex": (Figures(3, 15.0, 51.0), Figures(2, 200.0, 280.0)),
    }


def test_per_agent_the_unassigned_last(desk):
    rows = times()["agent"]
    assert [row.label for row in rows] == ["Adam Admin", "Agnes Agent", "Unassigned"]
    assert figures_of(rows) == {
        "Adam Admin": (Figures(3, 30.0, 54.0), Figures(2, 240.0, 288.0)),
        "Agnes Agent": (Figures(3, 10.0, 18.0), Figures(4, 110.0, 1548.0)),
        "Unassigned": (Figures(1, 40.0, 40.0), Figures()),
    }


def test_per_category_in_the_admins_order_then_no_category(desk):
    rows = times()["category"]
    assert [row.label for row in rows] == ["Hardware", "Network", "No category"]
    assert figures_of(rows) == {
        "Hardware": (Figures(2, 15.0, 19.0), Figures(3, 120.0, 1752.0)),
        "Network": (Figures(2, 10.0, 14.0), Figures(2, 200.0, 280.0)),
        "No category": (Figures(3, 40.0, 56.0), Figures(1, 180.0, 180.0)),
    }
    with override("fr"):
        labels = [row.label for row in times()["category"]]
    assert labels[:2] == ["Matériel", "Réseau"]


def test_per_month_in_the_sites_time_zone(desk):
    """First responses by the month a ticket was opened, resolutions by the month it
    was closed; G2, opened at 00:30 on March 1st in Paris, is a March ticket."""
    rows = times()["month"]
    assert [row.key for row in rows] == [date(2024, 2, 1), date(2024, 3, 1)]
    assert [row.label for row in rows] == ["2024-02", "2024-03"]
    assert figures_of(rows) == {
        "2024-02": (Figures(3, 10.0, 18.0), Figures(4, 110.0, 1548.0)),
        "2024-03": (Figures(4, 35.0, 54.0), Figures(2, 240.0, 288.0)),
    }


def test_one_client(desk, acme):
    report = times(organization=acme)
    assert [row.label for row in report["client"]] == ["Acme"]
    assert report["all"][0].first_response == Figures(4, 25.0, 37.0)
    assert {row.label for row in report["agent"]} == {"Adam Admin", "Agnes Agent", "Unassigned"}


def test_an_empty_period_has_no_rows(desk):
    report = response_times(ReportPeriod(date(2023, 6, 1), date(2023, 6, 30)))
    assert report == {"all": [], "client": [], "agent": [], "category": [], "month": []}


@pytest.mark.postgresql
def test_percentile_cont_and_the_window_functions_agree(desk, acme):
    for period in (ReportPeriod(*PERIOD), ReportPeriod(*PERIOD, organization=acme)):
        assert response_times(period, portable=True) == response_times(period, portable=False)
    assert connection.vendor == "postgresql"


def test_sla_compliance_per_client(desk):
    rows = {row.name: row for row in sla_compliance(ReportPeriod(*PERIOD))}
    assert list(rows) == ["Acme", "Globex"]
    acme, globex = rows["Acme"], rows["Globex"]
    # Acme: A1 both on time; A2 answered late; A3 resolved late; A4 answered on
    # time, resolution still ahead; N1 never answered, past its deadline.
    assert (acme.tickets, acme.first_response_met, acme.first_response_missed) == (5, 3, 2)
    assert (acme.resolution_met, acme.resolution_missed) == (2, 1)
    assert (acme.both_met, acme.any_missed) == (1, 3)
    assert (acme.first_response_share, acme.resolution_share, acme.both_share) == (
        60.0,
        66.7,
        25.0,
    )
    # Globex: G1 right on its deadlines (met); G2 without deadlines; G3 late on both.
    assert (globex.tickets, globex.first_response_met, globex.first_response_missed) == (3, 1, 1)
    assert (globex.resolution_met, globex.resolution_missed, globex.both_met) == (1, 1, 1)
    assert globex.both_share == 50.0
    total = sla_total(list(rows.values()))
    assert (total.tickets, total.first_response_share, total.resolution_share) == (8, 57.1, 60.0)
    assert total.both_share == 33.3


def test_sla_compliance_with_nothing_decided_is_no_figure(alice):
    put(alice, at(3, 4), first_due=FAR, resolution_due=FAR)
    [row] = sla_compliance(ReportPeriod(*PERIOD))
    assert row.tickets == 1
    assert (row.first_response_share, row.resolution_share, row.both_share) == (None, None, None)


def test_backlog_at_the_end_of_each_day(desk):
    points = backlog(ReportPeriod(*PERIOD))
    assert len(points) == 60  # February 2024 has 29 days
    by_day = {point.day: point.open_tickets for point in points}
    # E1 (opened on January 31st) is open at the start, closed on February 2nd.
    assert by_day[date(2024, 2, 1)] == 1
    assert by_day[date(2024, 2, 2)] == 0
    assert by_day[date(2024, 3, 10)] == 0
    assert by_day[date(2024, 3, 11)] == 1  # A4
    assert by_day[date(2024, 3, 20)] == 2  # G3
    assert by_day[date(2024, 3, 31)] == 3  # N1
    feb_5 = points[4]
    assert (feb_5.day, feb_5.opened, feb_5.closed, feb_5.open_tickets) == (
        date(2024, 2, 5),
        1,
        1,
        0,
    )


def test_backlog_at_the_end_of_each_week_over_a_long_period(desk):
    points = backlog(ReportPeriod(date(2024, 1, 1), date(2024, 3, 31)))
    # Every Sunday (January 7th … March 31st, itself a Sunday): 13 weeks.
    assert [p.day.weekday() for p in points] == [6] * 13
    assert points[0].day == date(2024, 1, 7)
    assert sum(p.opened for p in points) == 10  # all but E3 (April)
    assert sum(p.closed for p in points) == 7  # A1 A2 A3 G1 G2 E1 E2
    assert points[-1].open_tickets == 3
    week_of_jan_28 = next(p for p in points if p.day == date(2024, 2, 4))
    assert week_of_jan_28.open_tickets == 0  # E1 closed on February 2nd


def test_backlog_stops_today(alice):
    from django.utils import timezone

    today = timezone.localdate()
    put(alice, timezone.now() - timedelta(days=40))
    points = backlog(ReportPeriod(today.replace(day=1), today + timedelta(days=20)))
    assert points[-1].day == today
    assert {p.open_tickets for p in points} == {1}


def test_a_reopened_ticket_counts_as_open_until_its_last_close(alice, agnes):
    """The approximation, written down: closed on February 3rd, reopened and closed
    again on the 6th, the ticket is open from its creation to the 6th."""
    put(alice, at(2, 1), first=5, closed=at(2, 6))
    points = backlog(ReportPeriod(date(2024, 2, 1), date(2024, 2, 7)))
    assert [p.open_tickets for p in points] == [1, 1, 1, 1, 1, 0, 0]


def test_tickets_opened_per_channel(desk, acme):
    rows = opened_by_channel(ReportPeriod(*PERIOD))
    assert [(row.channel, row.tickets) for row in rows] == [("web", 4), ("email", 2), ("phone", 2)]
    assert [row.label for row in rows] == ["Web", "Email", "Phone"]
    acme_rows = opened_by_channel(ReportPeriod(*PERIOD, organization=acme))
    assert [(row.channel, row.tickets) for row in acme_rows] == [
        ("email", 2),
        ("web", 2),
        ("phone", 1),
    ]
