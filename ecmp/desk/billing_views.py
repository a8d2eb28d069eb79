"""Time on tickets (agents), invoices and reports (admins)."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts.models import Organization
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing import services
from ecmp.billing.downloads import invoice_response
from ecmp.billing.einvoice.gaps import einvoice_gaps
from ecmp.billing.forms import (
    BillingProfileForm,
    ChargeForm,
    InvoicePeriodForm,
    ReportPeriodForm,
    TimeEntryForm,
)
from ecmp.billing.invoice_list_reads import invoice_count_for_admin
from ecmp.billing.invoice_view import invoice_page
from ecmp.billing.models import TimeEntry
from ecmp.billing.payment_selectors import FILTERS as STATE_FILTERS
from ecmp.billing.payment_selectors import invoices_in_state
from ecmp.billing.selectors import (
    billing_profile_for,
    invoice_draft,
    invoice_for,
    invoices_visible_to,
    report_rows,
)
from ecmp.billing.vat import REVERSE_CHARGE_MENTION
from ecmp.core.access import admin_required, staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.billing_page import draft_form_fields
from ecmp.desk.payment_forms import PaymentForm
from ecmp.tickets.selectors import ticket_for_staff


def _entry_values(form: TimeEntryForm) -> dict:
    data = form.cleaned_data
    return {
        "day": data["day"],
        "minutes": data["duration"],
        "activity_type": data["activity_type"],
        "description": data["description"],
        "billable": data["billable"],
    }


@staff_required
@require_http_methods(["GET", "POST"])
def time_add(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """Time on another day or with a description (the composer logs today's): its own
    page, so the ticket page does not carry a second time form on every view."""
    ticket = ticket_for_staff(request.user, number)
    form = TimeEntryForm(request.POST or None)
    if request.method == "GET":
        context = {"nav": "queues", "ticket": ticket, "form": form, "heading": _("Log time")}
        return render(request, "desk/time_edit.html", context)
    if form.is_valid():
        try:
            services.time_entry_create(ticket=ticket, agent=request.user, **_entry_values(form))
        except ValidationError as error:
            refusal_to_messages(request, error)
        else:
            messages.success(request, _("The time is logged."))
            return redirect("desk:ticket-detail", number=ticket.number)
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
    return redirect("desk:time-add", number=ticket.number)


@staff_required
@require_http_methods(["GET", "POST"])
def time_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(TimeEntry.objects.select_related("ticket"), pk=pk)
    initial = {
        "day": entry.date,
        "duration": f"{entry.minutes}",
        "activity_type": entry.activity_type_id,
        "description": entry.description,
        "billable": entry.billable,
    }
    form = TimeEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.time_entry_update(entry=entry, by=request.user, **_entry_values(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The time entry is saved."))
            return redirect("desk:ticket-detail", number=entry.ticket.number)
    context = {"nav": "queues", "ticket": entry.ticket, "form": form}
    return render(request, "desk/time_edit.html", context)


@staff_required
@require_POST
def time_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(TimeEntry.objects.select_related("ticket"), pk=pk)
    number = entry.ticket.number
    try:
        services.time_entry_delete(entry=entry, by=request.user)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The time entry is deleted."))
    return redirect("desk:ticket-detail", number=number)


def _this_month() -> tuple[date, date]:
    """The draft's default period: the current month up to today, so that the work
    done so far shows (issue 19)."""
    today = timezone.localdate()
    return today.replace(day=1), today


@admin_required
@require_GET
def billing_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    start, end = _this_month()
    today = timezone.localdate()
    state = request.GET.get("state", "")  # issue 19 §5: unpaid, overdue, or every invoice
    invoices = invoices_in_state(invoices_visible_to(request.user), state, today)
    paginator = Paginator(invoices, settings.ECMP_LIST_PAGE_SIZE)
    if not state:  # every invoice: counted by a statement compiled once (the page is admins')
        paginator.count = invoice_count_for_admin(request.user)
    page = paginator.get_page(request.GET.get("page"))
    if not paginator.count:
        page.object_list = []  # not read: its empty slice was compiled for nothing (≈0.4 ms)
    return render(
        request,
        "desk/billing.html",
        {
            "nav": "billing",
            "page": page,
            "fields": draft_form_fields(None, start, end),
            "state": state if state in STATE_FILTERS else "",
            "today": today,
        },
    )


@admin_required
@require_GET
def invoice_draft_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvoicePeriodForm(request.GET)
    if not form.is_valid():
        page = Paginator(invoices_visible_to(request.user), settings.ECMP_LIST_PAGE_SIZE).get_page(
            1
        )
        refused = {"nav": "billing", "page": page, "fields": draft_form_fields(form)}
        return render(request, "desk/billing.html", refused, status=400)
    data = form.cleaned_data
    draft = invoice_draft(data["organization"], data["start"], data["end"])
    charge_form = ChargeForm(
        initial={"organization": data["organization"].pk, "vat_rate": draft.profile.vat_rate}
    )
    context = {
        "nav": "billing",
        "draft": draft,
        "form": form,
        "charge_form": charge_form,
        "reverse_charge_mention": REVERSE_CHARGE_MENTION,
        # Warned before issuing: the issued invoice and its e-invoice keep these details.
        "gaps": einvoice_gaps(draft.client),
    }
    return render(request, "desk/invoice_draft.html", context)


@admin_required
@require_POST
def invoice_issue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvoicePeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an organization and a period."))
        return redirect("desk:billing")
    try:
        invoice = services.invoice_issue(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect("desk:billing")
    messages.success(request, _("Invoice %(number)s is issued.") % {"number": invoice.number})
    return redirect("desk:invoice", pk=invoice.pk)


@admin_required
@require_GET
def invoice_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_for(request.user, pk)
    context = {
        "nav": "billing",
        "page": invoice_page(invoice),
        # issue 19 §5: the payment form offers what is still due.
        "payment_form": PaymentForm(initial={"amount": invoice.amount_due}),
    }
    return render(request, "desk/invoice.html", context)


@admin_required
@require_GET
def invoice_file(request: AuthenticatedHttpRequest, pk: str, kind: str) -> HttpResponse:
    return invoice_response(
        invoice_for(request.user, int(pk)), kind, language=request.LANGUAGE_CODE
    )


@admin_required
@require_POST
def invoice_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invoice = invoice_for(request.user, pk)
    try:
        credit = services.invoice_cancel(by=request.user, invoice=invoice)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect("desk:invoice", pk=pk)
    messages.success(request, _("Credit note %(number)s is issued.") % {"number": credit.number})
    return redirect("desk:invoice", pk=credit.pk)


@admin_required
@require_GET
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    default = {"start": today.replace(month=1, day=1), "end": today}
    form = ReportPeriodForm(request.GET or None, initial=default)
    period = form.cleaned_data if request.GET and form.is_valid() else default
    rows = report_rows(period["start"], period["end"])
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["month", "organization", "minutes", "billable_minutes"])
        for row in rows["per_org_month"]:
            writer.writerow(
                [
                    row["month"].strftime("%Y-%m"),
                    row["ticket__organization__name"],
                    row["total_minutes"],
                    row["billable_minutes"],
                ]
            )
        writer.writerow([])
        writer.writerow(["agent", "minutes", "billable_minutes"])
        for row in rows["per_agent"]:
            writer.writerow(
                [row["agent__full_name"], row["total_minutes"], row["billable_minutes"]]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="time-report.csv"'
        return response
    chart = {
        "labels": [row["agent__full_name"] for row in rows["per_agent"]],
        "billable": [round(row["billable_minutes"] / 60, 2) for row in rows["per_agent"]],
        "other": [
            round((row["total_minutes"] - row["billable_minutes"]) / 60, 2)
            for row in rows["per_agent"]
        ],
    }
    return render(
        request,
        "desk/reports.html",
        {"nav": "reports", "form": form, "rows": rows, "chart": chart, "period": period},
    )


@admin_required
@require_POST
def billing_profile_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = BillingProfileForm(request.POST, instance=billing_profile_for(organization))
    if form.is_valid():
        services.billing_profile_update(
            by=request.user, organization=organization, **form.cleaned_data
        )
        messages.success(request, _("The billing settings are saved."))
    else:
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
    return redirect("desk:organization", pk=pk)
