"""A client's prepaid hours on the desk: the packs and their use; admins sell them
and delete them while no invoice drew from them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.models import Organization
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.models import HourPack
from ecmp.billing.pack_forms import HourPackForm
from ecmp.billing.pack_services import hour_pack_add, hour_pack_delete
from ecmp.billing.packs import pack_balance
from ecmp.core.access import admin_required
from ecmp.core.refusals import refusal_to_messages


def _page(
    request: AuthenticatedHttpRequest, organization: Organization, form: HourPackForm
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "nav": "clients",
        "organization": organization,
        "balance": pack_balance(organization.pk, today=today),
        "today": today,
        "form": form,
    }
    return render(request, "desk/hour_packs.html", context, status=400 if form.errors else 200)


@admin_required
@require_GET
def hour_packs(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    return _page(request, organization, HourPackForm())


@admin_required
@require_POST
def hour_pack_add_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = HourPackForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, form)
    try:
        hour_pack_add(by=request.user, organization=organization, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, organization, form)
    messages.success(request, _("The pack is added."))
    return redirect("desk:hour-packs", pk=organization.pk)


@admin_required
@require_POST
def hour_pack_delete_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    pack = get_object_or_404(HourPack, pk=pk)
    try:
        hour_pack_delete(by=request.user, pack=pack)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The pack is deleted."))
    return redirect("desk:hour-packs", pk=pack.organization_id)
