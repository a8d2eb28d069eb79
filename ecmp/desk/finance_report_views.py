"""The billing reports (issue 19 §6): revenue, prepaid hours, unbilled time,
receivables, SLA compliance per client, with a CSV file per table for the accountant.
Administrators only, as the other reports beside them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.views.decorators.http import require_GET

from ecmp.accounts.audit_export import csv_cell
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.finance_reports import (
    RECEIVABLE_AMOUNTS,
    REVENUE_AMOUNTS,
    UNBILLED_AMOUNTS,
    RevenueRow,
    money_totals,
    prepaid_hours,
    receivables_by_age,
    revenue_per_client_month,
    sla_per_client,
    unbilled_time,
)
from ecmp.core.access import admin_required
from ecmp.desk.support_report_forms import PeriodForm
from ecmp.desk.support_report_views import sla_csv_rows
from ecmp.tickets.reports_flow import sla_total


def this_year() -> tuple[date, date]:
    today = timezone.localdate()
    return today.replace(month=1, day=1), today


def last_year() -> tuple[date, date]:
    today = timezone.localdate()
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


class FinanceReportForm(PeriodForm):
    """Without `start` and `end` in the query: this year, to today."""

    @staticmethod
    def default_period() -> tuple[date, date]:
        return this_year()


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _revenue_chart(revenue: list[RevenueRow], start: date, end: date) -> dict[str, Any]:
    """Net revenue per month of the period, one series per currency (amounts as text:
    the chart reads them as numbers, nothing is rounded here)."""
    months = _months(start, end)
    sums: dict[str, dict[date, Decimal]] = {}
    for row in revenue:
        per_month = sums.setdefault(row.currency, {})
        per_month[row.month] = per_month.get(row.month, Decimal("0.00")) + row.net
    return {
        "labels": [month.strftime("%Y-%m") for month in months],
        "series": [
            {
                "currency": currency,
                "values": [str(sums[currency].get(month, Decimal("0.00"))) for month in months],
            }
            for currency in sorted(sums)
        ],
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value, 1)} %"


@admin_required
@require_GET
def finance_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FinanceReportForm(request.GET)
    context: dict[str, Any] = {
        "nav": "reports",
        "tab": "finance",
        "form": form,
        "percent": _percent,
        "this_year": this_year(),
        "last_year": last_year(),
    }
    if not form.is_valid():
        return render(request, "desk/finance_reports.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    today = timezone.localdate()
    revenue = revenue_per_client_month(start, end)
    unbilled = unbilled_time(start, end)
    receivables = receivables_by_age(today)
    sla = sla_per_client(start, end)
    context.update(
        start=start,
        end=end,
        today=today,
        query=f"start={start.isoformat()}&end={end.isoformat()}",
        revenue=revenue,
        revenue_totals=money_totals(revenue, REVENUE_AMOUNTS),
        revenue_chart=_revenue_chart(revenue, start, end),
        hours=prepaid_hours(today),
        unbilled=unbilled,
        unbilled_totals=money_totals(unbilled, UNBILLED_AMOUNTS),
        receivables=receivables,
        receivable_totals=money_totals(receivables, RECEIVABLE_AMOUNTS),
        sla=sla,
        sla_all=sla_total(sla),
    )
    return render(request, "desk/finance_reports.html", context)


def _revenue_rows(start: date, end: date, today: date) -> Iterator[list[Any]]:
    yield ["organization", "month", "currency", "invoices", "credit_notes", *REVENUE_AMOUNTS]
    for row in revenue_per_client_month(start, end):
        yield [
            csv_cell(row.name),
            row.month.strftime("%Y-%m"),
            row.currency,
            row.invoices,
            row.credit_notes,
            *(getattr(row, name) for name in REVENUE_AMOUNTS),
        ]


def _hours_rows(start: date, end: date, today: date) -> Iterator[list[Any]]:
    yield [
        "organization",
        "included_minutes",
        "used_minutes",
        "left_minutes",
        "expired_minutes",
        "as_of",
    ]
    for row in prepaid_hours(today):
        yield [
            csv_cell(row.name),
            row.included_minutes,
            row.used_minutes,
            row.left_minutes,
            row.expired_minutes,
            today.isoformat(),
        ]


def _unbilled_rows(start: date, end: date, today: date) -> Iterator[list[Any]]:
    yield [
        "organization",
        "currency",
        "entries",
        "minutes",
        "billed_minutes",
        "prepaid_minutes",
        "amount_net",
    ]
    for row in unbilled_time(start, end):
        yield [
            csv_cell(row.name),
            row.currency,
            row.entries,
            row.minutes,
            row.billed_minutes,
            row.prepaid_minutes,
            row.amount,
        ]


def _receivable_rows(start: date, end: date, today: date) -> Iterator[list[Any]]:
    yield ["organization", "currency", "invoices", "oldest_due_date", *RECEIVABLE_AMOUNTS, "as_of"]
    for row in receivables_by_age(today):
        yield [
            csv_cell(row.name),
            row.currency,
            row.invoices,
            row.oldest_due.isoformat() if row.oldest_due else "",
            *(getattr(row, name) for name in RECEIVABLE_AMOUNTS),
            today.isoformat(),
        ]


def _sla_rows(start: date, end: date, today: date) -> Iterator[list[Any]]:
    return sla_csv_rows(sla_per_client(start, end))


ROWS = {
    "revenue": _revenue_rows,
    "hours": _hours_rows,
    "unbilled": _unbilled_rows,
    "receivables": _receivable_rows,
    "sla": _sla_rows,
}


@admin_required
@require_GET
def finance_report_csv(request: AuthenticatedHttpRequest, table: str) -> HttpResponse:
    if table not in ROWS:
        raise Http404
    form = FinanceReportForm(request.GET)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    out = io.StringIO()
    writer = csv.writer(out)
    for row in ROWS[table](start, end, timezone.localdate()):
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"billing-{table}-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
