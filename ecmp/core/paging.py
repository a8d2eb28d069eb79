"""Pagination in the database that stays fast on tables of millions of rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
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


def long_list_page(request: HttpRequest, rows: QuerySet[Any]) -> tuple[Page[Any], str]:
    """The requested page of a filtered list, and its filters without the page
    number (for the pager's links)."""
    page = CappedPaginator(rows, settings.ECMP_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
