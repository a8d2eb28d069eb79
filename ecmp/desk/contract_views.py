"""Clients' contracts in the desk: the card on the client's page, a version's page,
and for admins a new version (pre-filled from the one in force), or the correction
or removal of a version no ticket uses yet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts.models import Organization
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.activity_names import activity_label
from ecmp.billing.contract_rates import (
    contract_rates_of,
    contract_version_create,
    contract_version_update,
)
from ecmp.billing.models import ActivityType
from ecmp.core.access import admin_required, is_admin, staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.contract_forms import ContractForm, hours_form
from ecmp.desk.forms import BusinessHoursForm
from ecmp.sla.contract_reads import has_contract
from ecmp.sla.contract_selectors import contract_for_staff, contract_history, contract_pick
from ecmp.sla.contract_summary import contract_summary, hours_of
from ecmp.sla.contracts import contract_delete, contract_in_use
from ecmp.sla.models import Contract


def contract_card(organization: Organization) -> dict[str, Any]:
    """What the client's page shows of its contract: the version in force today and
    the history (three queries; one for a client without a contract)."""
    history = list(contract_history(organization.pk)) if has_contract(organization.pk) else []
    in_force = contract_pick(history, timezone.localdate())
    return {
        "contract_in_force": contract_summary(in_force) if in_force else None,
        "contract_history": history,
    }


def _initial(contract: Contract | None, rates: dict[int, Decimal], *, starts_on: date | None):
    if contract is None:
        return {"starts_on": starts_on, "payment_terms_days": 30}, {}
    initial: dict[str, Any] = {
        "reference": contract.reference,
        "starts_on": starts_on or contract.starts_on,
        "ends_on": None if starts_on else contract.ends_on,
        "payment_terms_days": contract.payment_terms_days,
        "billing_emails": "\n".join(e.strip() for e in contract.billing_emails.split(",")),
        "billing_address": contract.billing_address,
        "vat_number": contract.vat_number,
        "reverse_charge": contract.reverse_charge,
    }
    for target in contract.targets.all():
        initial[f"first_{target.priority}"] = hours_of(target.first_response_minutes)
        initial[f"resolution_{target.priority}"] = hours_of(target.resolution_minutes)
    for activity_id, rate in rates.items():
        initial[f"rate_{activity_id}"] = rate
    hours: dict[str, Any] = {}
    for row in contract.hours.all():
        hours[f"open_{row.weekday}"] = True
        hours[f"opens_{row.weekday}"] = row.opens
        hours[f"closes_{row.weekday}"] = row.closes
    return initial, hours


def _form_page(
    request: AuthenticatedHttpRequest,
    organization: Organization,
    form: ContractForm,
    hours: BusinessHoursForm,
    *,
    contract: Contract | None = None,
) -> HttpResponse:
    bound = form.is_bound
    return render(
        request,
        "desk/contract_form.html",
        {
            "nav": "clients",
            "organization": organization,
            "form": form,
            "hours_form": hours,
            "contract": contract,
        },
        status=400 if bound and (form.errors or hours.errors) else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def contract_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if request.method == "POST":
        form, hours = ContractForm(request.POST), hours_form(request.POST)
        if form.is_valid() and hours.is_valid():
            try:
                contract_version_create(
                    by=request.user,
                    organization=organization,
                    terms=form.terms(hours),
                    rates=form.rates(),
                )
            except ValidationError as error:
                form.refuse(error)
            else:
                messages.success(request, _("The new contract version is saved."))
                return redirect("desk:organization", pk=organization.pk)
        return _form_page(request, organization, form, hours)
    today = timezone.localdate()
    current = contract_pick(list(contract_history(organization.pk)), today)
    initial, hours_initial = _initial(
        current, contract_rates_of(current) if current else {}, starts_on=today
    )
    form = ContractForm(initial=initial)
    return _form_page(
        request, organization, form, BusinessHoursForm(prefix="hours", initial=hours_initial)
    )


@staff_required
@require_GET
def contract_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = contract_for_staff(pk)
    admin = is_admin(request.user)
    rates = contract_rates_of(contract) if admin else {}
    names = dict(ActivityType.objects.filter(pk__in=list(rates)).values_list("pk", "name"))
    context = {
        "nav": "clients",
        "organization": contract.organization,
        "summary": contract_summary(contract),
        "rates": sorted((activity_label(names[pk]), rate) for pk, rate in rates.items()),
        "in_use": contract_in_use(contract),
    }
    return render(request, "desk/contract.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = contract_for_staff(pk)
    if contract_in_use(contract):
        messages.error(
            request,
            _("Tickets are already held to this version: create a new version instead."),
        )
        return redirect("desk:contract", pk=contract.pk)
    if request.method == "POST":
        form, hours = ContractForm(request.POST), hours_form(request.POST)
        if form.is_valid() and hours.is_valid():
            try:
                contract_version_update(
                    by=request.user, contract=contract, terms=form.terms(hours), rates=form.rates()
                )
            except ValidationError as error:
                form.refuse(error)
            else:
                messages.success(request, _("The contract version is saved."))
                return redirect("desk:contract", pk=contract.pk)
        return _form_page(request, contract.organization, form, hours, contract=contract)
    initial, hours_initial = _initial(contract, contract_rates_of(contract), starts_on=None)
    return _form_page(
        request,
        contract.organization,
        ContractForm(initial=initial),
        BusinessHoursForm(prefix="hours", initial=hours_initial),
        contract=contract,
    )


@admin_required
@require_POST
def contract_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(Contract.objects.select_related("organization"), pk=pk)
    try:
        contract_delete(by=request.user, contract=contract)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect("desk:contract", pk=contract.pk)
    messages.success(request, _("The contract version is deleted."))
    return redirect("desk:organization", pk=contract.organization_id)
