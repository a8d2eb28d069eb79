"""The desk's clients list (desk/clients/) as its page reads it: the rows of
`organization_list_for_staff`, the shown columns only, as named tuples; and the
client page's priority figures (`priority_figures`).

Without search words, the count and each page's rows are statements compiled once
per process (core/prepared.py; a page's rows once per offset and size, which the
paginator bounds by the count): through the ORM, building and compiling them and a
model for each of the 50 rows cost the page about 1.5 ms, against a tenth of that to
run them. A search (text, whose statement holds the words) goes through the ORM each
time, with the same columns. Nothing read is kept.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from django.db.models import Count, F, Q, QuerySet

from ecmp.core.counting import rows_counted
from ecmp.core.prepared import prepared
from ecmp.core.prepared_rows import ConvertedRead
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import organization_list_for_staff
from ecmp.tickets.status import Priority


class OrganizationRow(NamedTuple):
    """A row of the clients list (desk/organizations.html)."""

    pk: int
    name: str
    active: bool
    priority_locked: bool
    user_count: int
    open_ticket_count: int


ROW = ("pk", "name", "active", "priority_locked", "user_count", "open_ticket_count")


_COUNT = prepared(lambda: rows_counted(organization_list_for_staff()))


@lru_cache(maxsize=64)
def _window(offset: int, size: int) -> ConvertedRead:
    return ConvertedRead(
        lambda: organization_list_for_staff().values_list(*ROW)[offset : offset + size], ()
    )


class OrganizationDirectory:
    """`organization_list_for_staff(text=text)` as Django's paginator reads it: counted
    with `count()`, sliced into `OrganizationRow`s."""

    def __init__(self, *, text: str = "") -> None:
        self.text = text

    def count(self) -> int:
        if self.text:
            return organization_list_for_staff(text=self.text).count()
        rows = _COUNT.rows()
        return int(rows[0][0]) if rows else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[OrganizationRow]:
        start, stop = window.start or 0, window.stop
        if stop is None or window.step is not None or start < 0:
            raise ValueError("a window of the list: [start:stop], 0 <= start")
        if stop <= start:
            return []
        if self.text:
            found = organization_list_for_staff(text=self.text).values_list(*ROW)[start:stop]
            return [OrganizationRow._make(row) for row in found]
        return [OrganizationRow._make(row) for row in _window(start, stop - start).rows()]


def _priority_counts(organization_id: int) -> QuerySet[Any, Any]:
    # Grouped by the organization the rows are filtered on: one group, or no row.
    asked = Q(requested_priority__gte=Priority.HIGH)
    return (
        Ticket.objects.filter(organization_id=organization_id)
        .order_by()
        .values("organization_id")
        .annotate(
            total=Count("id"),
            asked_high=Count("id", filter=asked),
            lowered=Count("id", filter=asked & Q(priority__lt=F("requested_priority"))),
        )
        .values_list("total", "asked_high", "lowered")
    )


_PRIORITY_COUNTS = prepared(_priority_counts, arity=1)


def priority_figures(organization_id: int) -> dict[str, int | float]:
    """What justifies locking the priority: how often the organization's users ask
    High or Urgent, and how often the support team lowered it (one statement compiled
    once per process)."""
    rows = _PRIORITY_COUNTS.rows(organization_id)
    total, asked, lowered = (int(n) for n in rows[0]) if rows else (0, 0, 0)
    return {
        "total": total,
        "asked_high": asked,
        "lowered": lowered,
        "asked_high_share": round(100 * asked / total) if total else 0,
        "lowered_share": round(100 * lowered / asked) if asked else 0,
    }
