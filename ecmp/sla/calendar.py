"""Business-time arithmetic: pure functions over opening hours and holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Beyond this, a calendar with hours on no day at all would loop for ever.
MAX_DAYS = 366 * 10


@dataclass(frozen=True)
class BusinessCalendar:
    hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> opens, closes
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The business hours of one day, or None when closed."""
        if day in self.holidays or day.weekday() not in self.hours:
            return None
        opens, closes = self.hours[day.weekday()]
        return (
            datetime.combine(day, opens, tzinfo=self.tz),
            datetime.combine(day, closes, tzinfo=self.tz),
        )

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of business time after `start` (returned in UTC)."""
        if minutes <= 0:
            return start.astimezone(UTC)
        if not self.hours:
            return (start + timedelta(minutes=minutes)).astimezone(UTC)
        cursor = start.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        day = cursor.date()
        for _ in range(MAX_DAYS):
            window = self.window(day)
            if window is not None:
                begin = max(cursor, window[0])
                if begin < window[1]:
                    available = window[1] - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        return (start + timedelta(minutes=minutes)).astimezone(UTC)

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        """Business minutes from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.business_minutes_between(end, start)
        if not self.hours:
            return int((end - start).total_seconds() // 60)
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            window = self.window(day)
            if window is not None:
                begin, finish = max(start, window[0]), min(end, window[1])
                if begin < finish:
                    total += finish - begin
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)
