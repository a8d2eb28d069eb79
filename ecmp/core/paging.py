"""Pagination in the database that stays fast on tables of millions of rows."""

from __future__ import annotations

import sys
from collections.abc import Callable
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


class _Window:
    """A list's rows read a page at a time: `read(offset, size)`, as a paginator slices."""

    def __init__(self, read: Callable[[int, int], list[Any]]) -> None:
        self._read = read

    def __getitem__(self, window: slice) -> list[Any]:
        start, stop = window.start or 0, window.stop
        return self._read(start, stop - start) if stop > start else []


class CountedPaginator(CappedPaginator):
    """A `CappedPaginator` over rows read by the page (`read(offset, size)`), counted by
    `count(cap)` — a count up to `cap` + 1, or one the page knows already."""

    def __init__(
        self, read: Callable[[int, int], list[Any]], count: Callable[[int], int], per_page: int
    ) -> None:
        super().__init__(_Window(read), per_page)  # type: ignore[arg-type]  # sliced only
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count(self.cap)


def read_page(
    request: HttpRequest, read: Callable[[int, int], list[Any]], count: Callable[[int], int]
) -> tuple[Page[Any], str]:
    """`long_list_page` for rows read by a selector a page at a time (no QuerySet).
    The first page is read first: shorter than a page, it is the whole list, and
    the list is not counted."""
    per_page = settings.ECMP_LIST_PAGE_SIZE
    number = request.GET.get("page")
    if number in (None, "", "1"):
        first = read(0, per_page)
        whole = len(first) < per_page

        def read_first(offset: int, size: int) -> list[Any]:
            return first[:size] if offset == 0 else read(offset, size)

        paginator = CountedPaginator(
            read_first, (lambda cap: len(first)) if whole else count, per_page
        )
    else:
        paginator = CountedPaginator(read, count, per_page)
    page = paginator.get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


class FullyCountedPaginator(CountedPaginator):
    """A `CountedPaginator` counted without a cap: a list that stays short (a client's
    invoices, a person's notifications) shows its true number of pages."""

    cap = sys.maxsize
