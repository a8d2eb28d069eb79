"""Reads compiled by the ORM once per process, then run with each request's values.

Building a statement through the ORM (cloning the queryset, resolving its lookups,
compiling the SQL) costs 0.3-1 ms on the bench machine; running a small indexed one
on SQLite costs tens of µs. A read made on every view of a page, whose shape never
changes, is written as a queryset once: `prepared(build)` compiles `build(*marks)`
the first time a process runs it on a database, with placeholder values (`marks`,
integers no row holds), and each call then runs the same SQL with the caller's
values in the marks' places. Nothing read is kept between calls: only the SQL text,
which depends on the code alone (as `desk/menu.py`'s counts, compiled once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Integers no id, count or flag holds: where they stand in the compiled parameters,
# the caller's values go.
_MARK = -7_340_019_001


class Prepared:
    """`build(*marks)` gives the queryset; `rows(*values)` runs its SQL with `values`
    (integers) in place of the marks and returns the rows as tuples, in the
    queryset's `values_list` order, as the database gives them (no field converters:
    keep to ids, numbers, text and flags)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], arity: int) -> None:
        self._build = build
        self.arity = arity
        self._statement = cache(self._compile)

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        marks = [_MARK - n for n in range(self.arity)]
        sql, params = self._build(*marks).using(alias).query.sql_with_params()
        slots = tuple(marks.index(p) if isinstance(p, int) and p in marks else None for p in params)
        missing = set(range(self.arity)) - set(slots)
        if missing:  # a value the ORM changed or dropped: not a plain parameter
            raise ValueError(f"prepared read: values {sorted(missing)} are not parameters")
        return sql, tuple(params), slots

    def rows(self, *values: int, using: str = "default") -> list[tuple[Any, ...]]:
        if len(values) != self.arity:
            raise TypeError(f"prepared read takes {self.arity} values, not {len(values)}")
        sql, params, slots = self._statement(using)
        bound = _bind(params, slots, values)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            rows = cursor.fetchall()
        return rows


def _bind(
    params: tuple[Any, ...], slots: tuple[int | None, ...], values: Sequence[int]
) -> tuple[Any, ...]:
    return tuple(
        p if slot is None else int(values[slot]) for p, slot in zip(params, slots, strict=True)
    )


def prepared(build: Callable[..., QuerySet[Any]], *, arity: int) -> Prepared:
    return Prepared(build, arity)
