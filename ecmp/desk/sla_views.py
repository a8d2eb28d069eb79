"""Service levels: targets per priority, business hours, holidays (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import admin_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.forms import BusinessHoursForm, HolidayForm, SlaTargetForm
from ecmp.desk.sla_page import holiday_inputs, hours_rows, target_rows
from ecmp.sla import services
from ecmp.sla.contract_summary import hours_of
from ecmp.sla.settings_selectors import business_hours_rows, holiday_rows, sla_target_rows
from ecmp.tickets.status import Priority


def _target_forms(data=None) -> list[tuple[str | Promise, int, SlaTargetForm]]:
    targets = sla_target_rows()
    forms: list[tuple[str | Promise, int, SlaTargetForm]] = []
    for priority in reversed(Priority.values):
        target = targets.get(priority)
        initial = (
            {
                "first_response_hours": hours_of(target.first_response_minutes),
                "resolution_hours": hours_of(target.resolution_minutes),
            }
            if target
            else {}
        )
        forms.append(
            (
                Priority(priority).label,
                priority,
                SlaTargetForm(data, prefix=f"p{priority}", initial=initial),
            )
        )
    return forms


def _hours_form(data=None) -> BusinessHoursForm:
    initial: dict[str, object] = {}
    for row in business_hours_rows():
        initial[f"open_{row.weekday}"] = True
        initial[f"opens_{row.weekday}"] = row.opens
        initial[f"closes_{row.weekday}"] = row.closes
    return BusinessHoursForm(data, initial=initial)


def _render(request, *, targets=None, hours=None, holiday=None, status=200) -> HttpResponse:
    hours_form = hours or _hours_form()
    return render(
        request,
        "desk/sla_settings.html",
        {
            "nav": "sla",
            "targets": target_rows(targets or _target_forms()),
            "hours_form": hours_form,
            "hours": hours_rows(hours_form),
            "holiday": holiday_inputs(holiday or HolidayForm()),
            "holidays": holiday_rows(),
        },
        status=status,
    )


@admin_required
@require_GET
def sla_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render(request)


@admin_required
@require_POST
def sla_targets_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    targets = _target_forms(request.POST)
    if not all(form.is_valid() for _label, _p, form in targets):
        return _render(request, targets=targets, status=400)
    hours = {priority: services.TargetHours(**form.cleaned_data) for _l, priority, form in targets}
    try:
        services.sla_targets_update(by=request.user, targets=hours)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return _render(request, targets=targets, status=400)
    messages.success(request, _("The targets are saved. They apply to new tickets."))
    return redirect("desk:sla")


@admin_required
@require_POST
def business_hours_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _hours_form(request.POST)
    if not form.is_valid():
        return _render(request, hours=form, status=400)
    services.business_hours_update(by=request.user, hours=form.hours())
    messages.success(request, _("The business hours are saved."))
    return redirect("desk:sla")


@admin_required
@require_POST
def holiday_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST)
    if not form.is_valid():
        return _render(request, holiday=form, status=400)
    services.holiday_add(by=request.user, **form.cleaned_data)
    messages.success(request, _("The holiday is added."))
    return redirect("desk:sla")


@admin_required
@require_POST
def holiday_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.holiday_remove(by=request.user, holiday_id=pk)
    messages.success(request, _("The holiday is removed."))
    return redirect("desk:sla")
