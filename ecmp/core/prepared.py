"""Reads compiled by the ORM once per process, then run with each request's values.

Building a statement through the ORM (cloning the queryset, resolving its lookups,
compiling the SQL) costs 0.3-1 ms on the bench machine; running a small indexed one
on SQLite costs tens of µs. A read made on every view of a page, whose shape never
changes, is written as a queryset once: `prepared(build)` compiles `build(*marks)`
the first time a process runs it on a database, with placeholder values (`marks`,
integers no row holds, or instants no row holds for the values declared `INSTANT`),
and each call then runs the same SQL with the caller's values in the marks' places.
Nothing read is kept between calls: only the SQL text, which depends on the code
alone (as `desk/menu.py`'s counts, compiled once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import QuerySet

# Integers no id, count or flag holds, and no constant of a statement: where they
# stand in the compiled parameters, the caller's values go. Positive and within a
# 32-bit column's range: a value out of a field's range (a negative number for a
# PositiveIntegerField on PostgreSQL) is no parameter, the ORM compiles the lookup
# away as matching nothing.
_MARK = 2_034_019_001
# The kinds of values a prepared read takes: integers (ids, counts, flags), and
# aware datetimes (`INSTANT`: "now", a deadline), marked by instants no row holds.
INTEGER = "integer"
INSTANT = "instant"
_INSTANT_MARK = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


class Prepared:
    """`build(*marks)` gives the queryset; `rows(*values)` runs its SQL with `values`
    in place of the marks and returns the rows as tuples, in the queryset's
    `values_list` order, as the database gives them (no field converters: keep to
    ids, numbers, text and flags)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], kinds: Sequence[str]) -> None:
        self._build = build
        self.kinds = tuple(kinds)
        self.arity = len(self.kinds)
        self._statement = cache(self._compile)

    def _marks(self) -> list[Any]:
        return [
            _INSTANT_MARK + timedelta(microseconds=n) if kind == INSTANT else _MARK - n
            for n, kind in enumerate(self.kinds)
        ]

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        marks = self._marks()
        sql, params = self._build(*marks).using(alias).query.sql_with_params()
        # The ORM gives a datetime's parameter as the database takes it (text on
        # SQLite): the marks are looked for in that form.
        kinds = self.kinds
        adapted = [self._adapt(mark, kind, alias) for mark, kind in zip(marks, kinds, strict=True)]
        slots = tuple(adapted.index(p) if _is_mark(p, adapted) else None for p in params)
        missing = set(range(self.arity)) - set(slots)
        if missing:  # a value the ORM changed or dropped: not a plain parameter
            raise ValueError(f"prepared read: values {sorted(missing)} are not parameters")
        return sql, tuple(params), slots

    @staticmethod
    def _adapt(value: Any, kind: str, alias: str) -> Any:
        if kind == INSTANT:
            return connections[alias].ops.adapt_datetimefield_value(value)
        return int(value)

    def rows(self, *values: Any, using: str = "default") -> list[tuple[Any, ...]]:
        if len(values) != self.arity:
            raise TypeError(f"prepared read takes {self.arity} values, not {len(values)}")
        sql, params, slots = self._statement(using)
        adapted = [self._adapt(v, kind, using) for v, kind in zip(values, self.kinds, strict=True)]
        bound = _bind(params, slots, adapted)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            rows = cursor.fetchall()
        return rows


class Counted(Prepared):
    """The rows of `build` counted: COUNT(*) over its statement, as Django counts a
    sliced queryset (`rows()` gives `[(n,)]`)."""

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        sql, params, slots = super()._compile(alias)
        counted = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608 - the ORM's SQL
        return counted, params, slots


_PLACEHOLDER = re.compile(r"%%|%s")


class ConstantsWritten(Prepared):
    """A prepared read whose constant text parameters (the statuses its selectors
    filter on, never a caller's value: the marks stay parameters) are written into its
    SQL as literals.

    SQLite prepares a statement again at each execution when a bound value may decide
    whether a partial index applies: the registration and removal requests' unique
    indexes `WHERE status = 'pending'` made `status = ?` cost the desk menu's statement
    42 µs instead of 6, and any column read beside it paid again (the desk home's 60
    day counts: 0.79 ms instead of 0.24). Written in, the status is no parameter. Use
    it for the reads of those tables with a fixed status (desk/menu.py,
    desk/home_reads.py, accounts/team_page_reads.py)."""

    def _compile(self, alias: str) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
        return constants_written(*super()._compile(alias))


def constants_written(
    sql: str, params: Sequence[Any], slots: Sequence[int | None]
) -> tuple[str, tuple[Any, ...], tuple[int | None, ...]]:
    """`sql` (placeholders `%s`, `%%` a percent sign) with its constant text
    parameters (those in no caller's slot) written in as literals: the statement, and
    the parameters left, with their slots."""
    if _PLACEHOLDER.findall(sql).count("%s") != len(params):
        raise ValueError("prepared read: its SQL and its parameters do not match")
    pairs = iter(zip(params, slots, strict=True))
    kept: list[tuple[Any, int | None]] = []

    def written(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        param, slot = next(pairs)
        if slot is None and isinstance(param, str):
            return sql_literal(param)
        kept.append((param, slot))
        return "%s"

    sql = _PLACEHOLDER.sub(written, sql)
    return sql, tuple(p for p, _slot in kept), tuple(slot for _p, slot in kept)


def sql_literal(text: str) -> str:
    # An SQL string literal (quotes doubled), in SQL whose placeholders are `%s`.
    return "'" + str.__str__(text).replace("'", "''").replace("%", "%%") + "'"


def _is_mark(param: Any, marks: list[Any]) -> bool:
    # `1 in [True]` is true: a boolean parameter is never a mark. (psycopg's integers
    # are int subclasses: Int4, Int8.)
    if isinstance(param, bool):
        return False
    return isinstance(param, int | str | datetime) and param in marks


def _bind(
    params: tuple[Any, ...], slots: tuple[int | None, ...], values: Sequence[Any]
) -> tuple[Any, ...]:
    return tuple(
        p if slot is None else _as(p, values[slot]) for p, slot in zip(params, slots, strict=True)
    )


def _as(mark: Any, value: Any) -> Any:
    # The value in the mark's own type: psycopg's Int4 where the ORM gave one.
    return type(mark)(value) if isinstance(mark, int) else value


def prepared(
    build: Callable[..., QuerySet[Any]], *, arity: int = 0, kinds: Sequence[str] = ()
) -> Prepared:
    """`arity` integer values, or the values' `kinds` (INTEGER, INSTANT) in order."""
    if arity and kinds:
        raise TypeError("give either arity or kinds")
    return Prepared(build, kinds or (INTEGER,) * arity)
