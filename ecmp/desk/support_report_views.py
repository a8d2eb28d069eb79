"""The support manager's reports (issue 18 §7): times, SLA compliance, backlog and
channels for a period, with charts and a CSV file per table. Administrators only, as
the time reports beside them (billing_views.reports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django import forms
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET

from ecmp.accounts.audit_export import csv_cell
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import organization_choices
from ecmp.core.access import admin_required
from ecmp.desk.sla_page import plain_input
from ecmp.desk.support_report_forms import SupportReportForm, last_month, this_month
from ecmp.tickets.reports import ReportPeriod, TimesRow, report_reading, response_times
from ecmp.tickets.reports_flow import (
    DAILY_UP_TO_DAYS,
    SlaRow,
    backlog,
    opened_by_channel,
    sla_compliance,
    sla_total,
)

# The CSV files: the URL's name of each table, and the times' table it reads.
TIME_TABLES = {"clients": "client", "agents": "agent", "categories": "category", "months": "month"}
TABLES = [*TIME_TABLES, "sla", "backlog", "channels"]
TIME_HEADER = [
    "first_responses",
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "resolved",
    "resolution_median_minutes",
    "resolution_p90_minutes",
]


def _percent(value: float | None) -> str:
    """33.3 %, 33,3 % in French; a dash when there is no figure."""
    return "—" if value is None else f"{number_format(value, 1)} %"


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def _plain_form(form: SupportReportForm) -> dict[str, Any]:
    """The period form's fields as plain values (desk/_sla_inputs.html writes them as
    Django's widgets do, tested): Django's select wrote every client through its
    templates, about a fifth of the page on the bench database."""
    bound = form["organization"]
    field = cast(forms.ModelChoiceField, bound.field)
    chosen = field.widget.format_value(bound.value())  # the selected values, as Select has them
    organization = plain_input(bound)._replace(value=None)
    options = [("", str(field.empty_label), "" in chosen)] + [
        (str(pk), name, str(pk) in chosen) for pk, name in organization_choices()
    ]
    return {
        "start": plain_input(form["start"]),
        "end": plain_input(form["end"]),
        "organization": organization,
        "options": options,
    }


def _charts(times: dict[str, list[TimesRow]], points: list, channels: list) -> dict[str, Any]:
    months = times["month"]
    return {
        "months": {
            "labels": [row.label for row in months],
            "first_response": [_hours(row.first_response.median) for row in months],
            "resolution": [_hours(row.resolution.median) for row in months],
        },
        "backlog": {
            "labels": [point.day.isoformat() for point in points],
            "values": [point.open_tickets for point in points],
        },
        "channels": {
            "labels": [row.label for row in channels],
            "values": [row.tickets for row in channels],
        },
    }


@admin_required
@require_GET
def support_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SupportReportForm(request.GET)
    context: dict[str, Any] = {
        "nav": "reports",
        "form": form,
        "tab": "support",
        "percent": _percent,
        "plain": _plain_form(form),
    }
    context["this_month"], context["last_month"] = this_month(), last_month()
    if not form.is_valid():
        return render(request, "desk/support_reports.html", context, status=400)
    period = form.period()
    with report_reading():
        times = response_times(period)
        sla = sla_compliance(period)
        points = backlog(period)
        channels = opened_by_channel(period)
    context.update(
        period=period,
        query=request.GET.urlencode(),
        times=times,
        overall=times["all"][0] if times["all"] else None,
        sla=sla,
        sla_all=sla_total(sla),
        backlog=points,
        backlog_weekly=(period.end - period.start).days >= DAILY_UP_TO_DAYS,
        channels=channels,
        opened=sum(row.tickets for row in channels),
        charts=_charts(times, points, channels),
    )
    return render(request, "desk/support_reports.html", context)


def _time_rows(period: ReportPeriod, table: str) -> Iterator[list[Any]]:
    yield [TIME_TABLES[table], *TIME_HEADER]
    for row in response_times(period)[TIME_TABLES[table]]:
        first, resolved = row.first_response, row.resolution
        yield [
            csv_cell(row.label),
            *(first.count, first.median, first.p90),
            *(resolved.count, resolved.median, resolved.p90),
        ]


def sla_csv_rows(rows: Iterable[SlaRow]) -> Iterator[list[Any]]:
    """SLA compliance per client as CSV rows, header first (the billing reports' too)."""
    yield [
        "organization",
        "tickets",
        "first_response_met",
        "first_response_missed",
        "first_response_met_percent",
        "resolution_met",
        "resolution_missed",
        "resolution_met_percent",
        "both_met",
        "any_missed",
        "both_met_percent",
    ]
    for row in rows:
        yield [
            csv_cell(row.name),
            row.tickets,
            row.first_response_met,
            row.first_response_missed,
            row.first_response_share,
            row.resolution_met,
            row.resolution_missed,
            row.resolution_share,
            row.both_met,
            row.any_missed,
            row.both_share,
        ]


def _table_rows(period: ReportPeriod, table: str) -> Iterator[list[Any]]:
    if table in TIME_TABLES:
        yield from _time_rows(period, table)
    elif table == "sla":
        yield from sla_csv_rows(sla_compliance(period))
    elif table == "backlog":
        yield ["day", "open_tickets", "opened", "closed"]
        for point in backlog(period):
            yield [point.day.isoformat(), point.open_tickets, point.opened, point.closed]
    else:
        yield ["channel", "tickets"]
        for row in opened_by_channel(period):
            yield [row.channel, row.tickets]


@admin_required
@require_GET
def support_report_csv(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404
    form = SupportReportForm(request.GET)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    period = form.period()
    out = io.StringIO()
    writer = csv.writer(out)
    with report_reading():
        for row in _table_rows(period, table):
            writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"support-{table}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
