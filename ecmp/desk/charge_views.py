"""Free lines (travel, hardware, fixed fees) for a client's next invoice: added from
the draft invoice, removed while no invoice lists them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.charges import charge_add, charge_remove
from ecmp.billing.forms import ChargeForm, InvoicePeriodForm
from ecmp.billing.models import Charge
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages


def _back_to_draft(request: AuthenticatedHttpRequest) -> HttpResponse:
    """To the draft the form was on (its organization and period), else the billing page."""
    period = InvoicePeriodForm(request.POST)
    if not period.is_valid():
        return redirect("desk:billing")
    data = period.cleaned_data
    query = {
        "organization": data["organization"].pk,
        "start": data["start"].isoformat(),
        "end": data["end"].isoformat(),
    }
    return HttpResponseRedirect(f"{reverse('desk:invoice-draft')}?{urlencode(query)}")


@staff_required
@require_POST
def charge_add_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ChargeForm(request.POST)
    if not form.is_valid():
        errors = [
            f"{form.fields[name].label}: {error}"
            if name in form.fields and form.fields[name].label
            else str(error)
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
        messages.error(request, " ".join(errors))
        return _back_to_draft(request)
    try:
        charge_add(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The charge is added to the next invoice."))
    return _back_to_draft(request)


@staff_required
@require_POST
def charge_remove_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    charge = get_object_or_404(Charge, pk=pk)
    try:
        charge_remove(by=request.user, charge=charge)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The charge is removed."))
    return _back_to_draft(request)
