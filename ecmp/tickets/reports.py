"""The support manager's reports: response and resolution times, SLA compliance,
backlog, channels (issue 18 §7). Every figure is computed by the database.

What is measured, and over which tickets:
- first response: the wall-clock time from creation to the first response
  (`first_response_at`: a public reply by the support team, or an agent taking the
  ticket into account), over the tickets *opened* in the period;
- resolution: the wall-clock time from creation to the close (`closed_at`, the last
  one when a ticket was reopened), over the tickets *closed* in the period, so that
  a month's figure does not leave out the long cases still open at its end;
- per month: first responses by the month a ticket was opened, resolutions by the
  month it was closed (in the site's time zone).
Times are elapsed, not business time: the deadlines are what count business hours
(sla/calendar.py computes them when a ticket is opened, reprioritised or reopened),
so SLA compliance (reports_flow.py) compares the stored moments with them.

Medians and 90th percentiles interpolate between the two nearest values, as
PostgreSQL's percentile_cont does. One statement gives every group of every table:
on PostgreSQL, percentile_cont over grouping sets (one pass over the period's rows,
read from the covering indexes of migration 0009 alone); elsewhere (SQLite), the
rows copied once per table, then ROW_NUMBER and COUNT over each group (the same
arithmetic, in integers where it can). docs/performance.md has the timings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecmp.accounts.models import Organization, User
from ecmp.tickets.models import Category, Ticket
from ecmp.tickets.status import Status

# The tables of times, in the order of the page.
DIMENSIONS = ("client", "agent", "category", "month")


@dataclass(frozen=True)
class ReportPeriod:
    """From `start` to `end`, both days included (site time zone); maybe one client."""

    start: date
    end: date
    organization: Organization | None = None

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def tickets(self) -> QuerySet[Ticket]:
        tickets = Ticket.objects.all()
        if self.organization is not None:
            tickets = tickets.filter(organization=self.organization)
        return tickets

    def opened(self) -> Q:
        return Q(created_at__gte=self.start_at, created_at__lt=self.end_at)

    def closed(self) -> Q:
        return Q(status=Status.CLOSED, closed_at__gte=self.start_at, closed_at__lt=self.end_at)


class ElapsedSeconds(Func):
    """Seconds from the first moment to the second, as a float."""

    arity = 2
    output_field = FloatField()

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        start, end = self.source_expressions
        start_sql, start_params = compiler.compile(start)
        end_sql, end_params = compiler.compile(end)
        if connection.vendor == "postgresql":
            # date_part gives a double precision; EXTRACT a numeric, several times slower.
            sql = f"date_part('epoch', {end_sql} - {start_sql})"
        else:  # SQLite stores UTC text; julianday keeps the milliseconds
            sql = f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)"
        return sql, (*end_params, *start_params)


# Enough for a month of a million tickets to sort in memory (docs/performance.md).
WORK_MEM = "32MB"


@contextmanager
def report_reading() -> Iterator[None]:
    """Around a page's reads. On PostgreSQL: one transaction (the figures agree with
    each other) whose sorts stay in memory, without JIT compilation, which costs more
    than it saves on these statements (40 ms of 650 at a million tickets)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [WORK_MEM],
        )
        yield


@dataclass
class Figures:
    """How many tickets, their median and 90th percentile, in minutes."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass
class TimesRow:
    key: Any
    label: str
    first_response: Figures = field(default_factory=Figures)
    resolution: Figures = field(default_factory=Figures)
    order: tuple = ()


class MonthKey(Func):
    """The month of a moment in the site's time zone, as a number: 202403."""

    arity = 1
    output_field = BigIntegerField()

    def __init__(self, name: str) -> None:
        super().__init__(F(name))
        self.field_name = name

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        (moment,) = self.source_expressions
        if connection.vendor == "postgresql":
            # date_part: a double precision (EXTRACT, Django's Extract*, is a slower numeric).
            sql, params = compiler.compile(moment)
            local = f"({sql} AT TIME ZONE %s)"
            zone = timezone.get_current_timezone_name()
            return (
                f"CAST(date_part('year', {local}) * 100 + date_part('month', {local}) AS BIGINT)",
                (*params, zone, *params, zone),
            )
        name = self.field_name
        expression = Cast(ExtractYear(name) * 100 + ExtractMonth(name), BigIntegerField())
        return compiler.compile(expression.resolve_expression(compiler.query))


def _month_key(name: str) -> MonthKey:
    return MonthKey(name)


def _base_rows(period: ReportPeriod) -> tuple[str, tuple]:
    """The period's tickets, one row each: the groups' keys and the two durations.

    Two parts that never overlap, each read from its own index alone on PostgreSQL
    (migration 0009): the tickets opened in the period, and those closed in it but
    opened before it (their resolution counts, not their first response).
    """
    closed = period.closed()
    keys = {
        "org": F("organization_id"),
        "agent": F("assignee_id"),
        "cat": F("category_id"),
        "opened_month": _month_key("created_at"),
        "closed_month": _month_key("closed_at"),
    }
    resolution = Case(
        When(closed, then=ElapsedSeconds(F("created_at"), F("closed_at"))),
        default=Value(None),
        output_field=FloatField(),
    )
    columns = ["org", "agent", "cat", "opened_month", "closed_month", "fr", "res"]
    opened = (
        period.tickets()
        .filter(period.opened())
        .annotate(
            **keys,
            fr=Case(
                When(
                    first_response_at__isnull=False,
                    then=ElapsedSeconds(F("created_at"), F("first_response_at")),
                ),
                default=Value(None),
                output_field=FloatField(),
            ),
            res=resolution,
        )
        .values(*columns)
        .order_by()
    )
    earlier = (
        period.tickets()
        .filter(closed, created_at__lt=period.start_at)
        .annotate(**keys, fr=Value(None, output_field=FloatField()), res=resolution)
        .values(*columns)
        .order_by()
    )
    sql, params = opened.union(earlier, all=True).query.sql_with_params()
    return sql, tuple(params)


# Each table's key for each measure: (dimension, key column, measure column).
_GROUPS = [
    ("all", "0", "fr"),
    ("all", "0", "res"),
    ("client", "org", "fr"),
    ("client", "org", "res"),
    ("agent", "agent", "fr"),
    ("agent", "agent", "res"),
    ("category", "cat", "fr"),
    ("category", "cat", "res"),
    ("month", "opened_month", "fr"),
    ("month", "closed_month", "res"),
]
# Portable: every (table, key, measure, seconds), then ranked in each group.
_UNPIVOT = " UNION ALL ".join(
    # The constants above, no input.
    f"SELECT '{dim}' AS dim, CAST({key} AS BIGINT) AS k, '{measure}' AS m, {measure} AS s "  # noqa: S608
    f"FROM t WHERE {measure} IS NOT NULL"
    for dim, key, measure in _GROUPS
)
_RANKED = """
r AS (SELECT dim, k, m, s,
             ROW_NUMBER() OVER (PARTITION BY dim, k, m ORDER BY s) - 1 AS i,
             COUNT(*) OVER (PARTITION BY dim, k, m) AS n
      FROM u)
"""


def _interpolated(a: int, b: int) -> str:
    """The percentile a/b at position p·(n-1): between the values at its floor and the
    next rank, in integer arithmetic (as percentile_cont, without its rounding)."""
    # %% : the statement goes through the driver's parameter formatting.
    lower, rest = f"({a} * (n - 1) / {b})", f"(({a} * (n - 1)) %% {b})"
    return (
        f"SUM(CASE WHEN i = {lower} THEN s * ({b} - {rest}) / {b}.0 "
        f"WHEN i = {lower} + 1 THEN s * {rest} / {b}.0 ELSE 0 END)"
    )


_PERCENTILES_PORTABLE = (
    f"SELECT dim, k, m, MAX(n) AS n, {_interpolated(1, 2)} AS median, "  # noqa: S608 - constants
    f"{_interpolated(9, 10)} AS p90 FROM r GROUP BY dim, k, m"
)

# PostgreSQL: one pass of grouping sets over the rows (no copy per table), both
# percentiles from one sort per group; GROUPING() tells the sets apart (a bit per
# key, set when the key is not in the set).
# GROUPING(org, agent, cat, opened_month, closed_month) of each set: 31 (), 15 (org),
# 23 (agent), 27 (cat), 29 (opened_month), 30 (closed_month).
_GROUPED_POSTGRESQL = """
a AS (SELECT GROUPING(org, agent, cat, opened_month, closed_month) AS g,
             org, agent, cat, opened_month, closed_month,
             COUNT(fr) AS fr_n,
             percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY fr) AS fr_p,
             COUNT(res) AS res_n,
             percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res) AS res_p
      FROM t
      GROUP BY GROUPING SETS ((), (org), (agent), (cat), (opened_month), (closed_month))),
u AS (SELECT CASE g WHEN 31 THEN 'all' WHEN 15 THEN 'client' WHEN 23 THEN 'agent'
                    WHEN 27 THEN 'category' ELSE 'month' END AS dim,
             CASE g WHEN 31 THEN 0 WHEN 15 THEN org WHEN 23 THEN agent WHEN 27 THEN cat
                    WHEN 29 THEN opened_month ELSE closed_month END AS k,
             g, fr_n, fr_p, res_n, res_p
      FROM a),
v AS (SELECT dim, k, 'fr' AS m, fr_n AS n, fr_p[1] AS median, fr_p[2] AS p90
      FROM u WHERE g <> 30 AND fr_n > 0
      UNION ALL
      SELECT dim, k, 'res', res_n, res_p[1], res_p[2]
      FROM u WHERE g <> 29 AND res_n > 0)
"""


def _labelled(aggregates: str) -> str:
    """The groups with their names: one join per kind of key, on its own table."""
    organization = Organization._meta.db_table
    user = User._meta.db_table
    category = Category._meta.db_table
    return f"""
SELECT a.*, o.name, p.full_name, p.email, c.name_en, c.name_fr, c.position
FROM ({aggregates}) a
LEFT JOIN {organization} o ON a.dim = 'client' AND o.id = a.k
LEFT JOIN {user} p ON a.dim = 'agent' AND p.id = a.k
LEFT JOIN {category} c ON a.dim = 'category' AND c.id = a.k
"""  # noqa: S608


def _statement(base: str, *, postgresql: bool) -> str:
    if postgresql:
        grouped = f"WITH t AS ({base}), {_GROUPED_POSTGRESQL} "
        return grouped + _labelled("SELECT * FROM v")
    return f"WITH t AS ({base}), u AS ({_UNPIVOT}), {_RANKED} " + _labelled(_PERCENTILES_PORTABLE)


def _minutes(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 60, 1)


def _figures(count: int, median: Any, p90: Any) -> Figures:
    return Figures(count=int(count), median=_minutes(median), p90=_minutes(p90))


def response_times(
    period: ReportPeriod, *, portable: bool | None = None
) -> dict[str, list[TimesRow]]:
    """Per table ("all", "client", "agent", "category", "month"): its rows, in order.

    `portable`: compute the percentiles with window functions even on PostgreSQL (the
    tests check that both ways give the same figures).
    """
    postgresql = connection.vendor == "postgresql"
    if portable is None:
        portable = not postgresql
    base, params = _base_rows(period)
    with connection.cursor() as cursor:
        cursor.execute(_statement(base, postgresql=not portable), params)
        columns = [c[0] for c in cursor.description]
        found = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    french = (get_language() or "en").startswith("fr")
    tables: dict[str, dict[Any, TimesRow]] = {"all": {}, **{dim: {} for dim in DIMENSIONS}}
    for row in found:
        median, p90 = row["median"], row["p90"]
        dim, key = row["dim"], row["k"]
        entry = tables[dim].get(key)
        if entry is None:
            entry = tables[dim][key] = _row(dim, key, row, french=french)
        figures = _figures(row["n"], median, p90)
        if row["m"] == "fr":
            entry.first_response = figures
        else:
            entry.resolution = figures
    return {dim: sorted(rows.values(), key=lambda r: r.order) for dim, rows in tables.items()}


def _row(dim: str, key: Any, row: dict, *, french: bool) -> TimesRow:
    """The group's label and its place in its table; an empty key (no assignee, no
    category) comes last."""
    if dim == "month":
        month = date(int(key) // 100, int(key) % 100, 1)
        return TimesRow(key=month, label=month.isoformat()[:7], order=(month,))
    if dim == "client":
        return TimesRow(key=key, label=row["name"] or "", order=((row["name"] or "").lower(), key))
    if dim == "agent":
        label = _("Unassigned") if key is None else row["full_name"] or row["email"] or ""
        return TimesRow(key=key, label=label, order=(key is None, label.lower(), key or 0))
    if dim == "category":
        label = (row["name_fr"] if french and row["name_fr"] else row["name_en"]) or ""
        if key is None:
            label = _("No category")
        return TimesRow(key=key, label=label, order=(key is None, row["position"] or 0, label))
    return TimesRow(key=None, label="", order=())
