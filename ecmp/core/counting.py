"""Counting rows in SQL as a plain function, not as Django's aggregate.

`Count` is an aggregate: Django adds a GROUP BY for it (and, on an annotated
queryset, one per annotation). `COUNT(pk)` written as a function gives one row, the
count, with no GROUP BY: what a page's counts and compiled reads want."""

from __future__ import annotations

from typing import Any

from django.db.models import Func, IntegerField, QuerySet, Subquery


def rows_counted(rows: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
    """`rows` counted: a queryset of one row, `(n,)`."""
    # COUNT(*), not COUNT(id): SQLite would read each index entry's id to see that it
    # is not NULL.
    return rows.order_by().values_list(Func(template="COUNT(*)", output_field=IntegerField()))


def count_of(rows: QuerySet[Any, Any]) -> Subquery:
    """`rows` counted, as a subquery another statement selects (its counts side by side)."""
    return Subquery(rows_counted(rows), output_field=IntegerField())
