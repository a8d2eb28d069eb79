"""Pagination in the database that stays fast on tables of millions of rows."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts no further than `cap` rows.

    Counting every archived ticket of a million-ticket desk costs more than the
    page itself; past the cap the list says "Page 3 of more than 400" and the
    last reachable page is the cap's. Filters and search narrow a long list.
    """

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # Always a QuerySet here (COUNT in SQL over LIMIT cap+1); the stubs type a sequence.
        return self.object_list[: self.cap + 1].count()  # type: ignore[attr-defined]  # a QuerySet

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.cap) // self.per_page))
