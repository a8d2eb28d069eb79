"""The desk home's counts in one statement: the menu's and the bell's (desk/menu.py),
and the chart's tickets opened and closed per day (tickets/day_counts.py), on the
agent's row, compiled once per process (core/prepared.py). The layout then reads
none of its own: the page's counts are shared through `page_counts`. Apart, the
chart and the menu were two statements, 60-100 µs each on a page."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from ecmp.accounts.models import User
from ecmp.core.prepared import INSTANT, INTEGER, ConstantsWritten, Prepared
from ecmp.desk.menu import menu_columns, page_counts
from ecmp.tickets.day_counts import day_count_columns, last_days, per_day_series


def _home(user_id: Any, *midnights: Any) -> QuerySet[Any, Any]:
    columns = (*menu_columns(user_id), *day_count_columns(*midnights))
    return User.objects.filter(pk=user_id).order_by().values_list(*columns)


@cache
def _read(days: int) -> Prepared:
    # The menu's statuses written in (core/prepared.ConstantsWritten): else SQLite prepares
    # the 64 columns again at each execution.
    return ConstantsWritten(_home, (INTEGER, *(INSTANT,) * (days + 1)))


def desk_home_counts(request: HttpRequest, *, days: int) -> tuple[dict[str, Any], int]:
    """The chart's series (`tickets_per_day(days=days)`) and the pending registration
    requests (`registration_request_list_for_staff(status=PENDING).count()`); the
    page's menu and bell counts read along (`page_counts(request)`)."""
    labels, midnights = last_days(days)
    rows = _read(days).rows(request.user.pk, *midnights)
    counts = page_counts(request)
    counts.fill(rows)
    return per_day_series(labels, rows[0][4:] if rows else None), counts.pending_registrations()
