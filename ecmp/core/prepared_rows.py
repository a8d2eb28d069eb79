"""Prepared reads (core/prepared.py) whose values come back as the ORM gives them,
and rows made into model instances with their related ones, as `select_related`
makes them.

`Prepared.rows` gives what the database driver gives: on SQLite a datetime is text
and a flag 0 or 1. `ConvertedRead` runs the same statement and applies the
converters the ORM applies to each column (found once per process and database, from
the same queryset: they depend on the code alone). `Joined` names the columns of a
model and of the models it joins (for `values_list`) and makes a row into an instance
of the model with each joined one cached on it (no query when a page reads
`ticket.requester`), the fields not read deferred, as `.only()` leaves them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from django.db import connections
from django.db.models import Model, QuerySet

from ecmp.core.prepared import INSTANT, Prepared

Converters = tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


class ConvertedRead:
    """`build(*values)` gives a `values_list` queryset; `rows(*values)` runs it,
    compiled once (core/prepared.py), and converts each value as the ORM would."""

    def __init__(self, build: Callable[..., QuerySet[Any]], kinds: Sequence[str]) -> None:
        self._build = build
        self.read = Prepared(build, kinds)
        self._converters = cache(self._find_converters)

    def _find_converters(self, alias: str) -> Converters:
        # Any values of the right kinds: the columns and their types do not depend on them.
        values = [datetime(2000, 1, 1, tzinfo=UTC) if k == INSTANT else 0 for k in self.read.kinds]
        compiler = self._build(*values).using(alias).query.get_compiler(alias)
        compiler.as_sql()
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        found = compiler.get_converters(columns)
        return tuple((pos, tuple(convs), expression) for pos, (convs, expression) in found.items())

    def rows(self, *values: Any, using: str = "default") -> list[tuple[Any, ...]]:
        rows = self.read.rows(*values, using=using)
        converters = self._converters(using)
        if not (rows and converters):
            return rows
        connection = connections[using]
        converted = []
        for row in rows:
            values_ = list(row)
            for pos, convs, expression in converters:
                value = values_[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                values_[pos] = value
            converted.append(tuple(values_))
        return converted


def attnames(model: type[Model], *, unread: Collection[str] = ()) -> tuple[str, ...]:
    """The columns of `model` a read loads: its concrete fields but those named in
    `unread`, by attname ("organization_id"), in the model's order (as
    `Model.from_db` takes them)."""
    return tuple(
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in unread and f.attname not in unread
    )


class Joined:
    """Rows of `model` with, along each `related` foreign key (one step), the model
    it points to: `related` maps the foreign key's name to the fields read of it
    (`attnames`); `fields` are the model's own."""

    def __init__(
        self,
        model: type[Model],
        fields: Sequence[str],
        related: dict[str, Sequence[str]],
    ) -> None:
        self.model = model
        self.fields = tuple(fields)
        self.columns: tuple[str, ...] = self.fields
        parts = []
        start = len(self.fields)
        for name, names in related.items():
            field = model._meta.get_field(name)
            target = cast(type[Model], field.related_model)
            names = tuple(names)
            parts.append((field, target, names, start, start + len(names), names.index("id")))
            self.columns += tuple(f"{name}__{attname}" for attname in names)
            start += len(names)
        self._parts = tuple(parts)
        self._own = len(self.fields)

    def instance(self, row: Sequence[Any], using: str = "default") -> Any:
        """The model made from a row of `columns` (converted: `ConvertedRead`), each
        related one cached on it (None where the foreign key is empty)."""
        instance = self.model.from_db(using, self.fields, row[: self._own])
        for field, target, names, start, end, pk in self._parts:
            values = row[start:end]
            related = None if values[pk] is None else target.from_db(using, names, values)
            field.set_cached_value(instance, related)  # type: ignore[union-attr]  # a ForeignKey
        return instance


def moment(value: Any) -> datetime | None:
    """A datetime column as the database gave it to a prepared read (`Prepared.rows`,
    no converters): PostgreSQL an aware datetime, SQLite a naive one (its declared
    type's converter) or its text, stored in UTC. Called per row of long reads (a
    thread's events, the queue's deadlines): a datetime, what both drivers give,
    is answered first, without an isinstance call."""
    if type(value) is datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
