"""SLA arithmetic across nights, weekends and holidays (pure functions)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecmp.sla.calendar import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
WEEK = BusinessCalendar(
    hours={d: (time(9), time(17)) for d in range(5)},
    holidays=frozenset({date(2026, 12, 25)}),
    tz=PARIS,
)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # Within the day.
        (paris(2026, 11, 23, 10, 0), 60, paris(2026, 11, 23, 11, 0)),
        # Across the night: 17:00 closes, the rest tomorrow from 9:00.
        (paris(2026, 11, 23, 16, 30), 60, paris(2026, 11, 24, 9, 30)),
        # Before opening: counting starts at 9:00.
        (paris(2026, 11, 23, 6, 0), 30, paris(2026, 11, 23, 9, 30)),
        # Friday evening to Monday: the weekend does not count.
        (paris(2026, 11, 27, 16, 0), 120, paris(2026, 11, 30, 10, 0)),
        # Opened on Saturday: Monday 9:00 plus the target.
        (paris(2026, 11, 28, 11, 0), 240, paris(2026, 11, 30, 13, 0)),
        # One business day (8 h) from Thursday noon, over a holiday Friday.
        (paris(2026, 12, 24, 12, 0), 480, paris(2026, 12, 28, 12, 0)),
        # Exactly at closing time: the next day's opening.
        (paris(2026, 11, 23, 9, 0), 480, paris(2026, 11, 23, 17, 0)),
        # Five business days.
        (paris(2026, 11, 23, 9, 0), 5 * 480, paris(2026, 11, 27, 17, 0)),
    ],
)
def test_deadlines(start, minutes, expected):
    assert WEEK.add_business_minutes(start, minutes) == expected.astimezone(UTC)


def test_across_the_change_to_winter_time():
    # 25 October 2026: clocks go back in Paris; business hours keep their wall-clock times.
    start = paris(2026, 10, 23, 16, 0)  # Friday
    assert WEEK.add_business_minutes(start, 120) == paris(2026, 10, 26, 10, 0).astimezone(UTC)


def test_a_calendar_without_hours_counts_round_the_clock():
    always = BusinessCalendar(hours={})
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert always.add_business_minutes(start, 90) == start + timedelta(minutes=90)


def test_minutes_between_skip_nights_weekends_and_holidays():
    assert WEEK.business_minutes_between(paris(2026, 11, 27, 16), paris(2026, 11, 30, 10)) == 120
    assert WEEK.business_minutes_between(paris(2026, 12, 24, 16), paris(2026, 12, 28, 10)) == 120
    assert WEEK.business_minutes_between(paris(2026, 11, 30, 10), paris(2026, 11, 27, 16)) == -120


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(PARIS)
)


@given(start=moments, minutes=st.integers(min_value=0, max_value=20 * 480))
def test_adding_then_measuring_gives_the_minutes_back(start, minutes):
    deadline = WEEK.add_business_minutes(start, minutes)
    assert deadline >= start
    assert WEEK.business_minutes_between(start, deadline) == minutes


@given(start=moments, a=st.integers(0, 5000), b=st.integers(0, 5000))
def test_more_minutes_never_give_an_earlier_deadline(start, a, b):
    low, high = sorted((a, b))
    assert WEEK.add_business_minutes(start, low) <= WEEK.add_business_minutes(start, high)
