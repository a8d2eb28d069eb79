"""Alert mappings: the admins' page that says which client an Alertmanager alert is for
(a label's value → a client user). Writes: alerts/services.py; docs/api.md tells how."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import customer_find_by_email
from ecmp.alerts import services
from ecmp.alerts.selectors import alert_mappings_for_admin
from ecmp.core.access import admin_required


class AlertMappingForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label"), max_length=services.LABEL_MAX, initial="customer"
    )
    value = forms.CharField(label=gettext_lazy("Value"), max_length=services.VALUE_MAX)
    requester = forms.EmailField(
        label=gettext_lazy("Requester's email address"),
        help_text=gettext_lazy("A user of the client company: its alert tickets are theirs."),
    )


def _render(
    request: AuthenticatedHttpRequest, form: AlertMappingForm | None = None
) -> HttpResponse:
    context = {
        "nav": "alert-mappings",
        "mappings": list(alert_mappings_for_admin(request.user)),
        "form": form or AlertMappingForm(),
    }
    return render(request, "desk/alert_mappings.html", context, status=200 if form is None else 400)


@admin_required
@require_GET
def alert_mappings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render(request)


@admin_required
@require_POST
def alert_mapping_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AlertMappingForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    requester = customer_find_by_email(form.cleaned_data["requester"].strip().lower())
    if requester is None or requester.organization is None:
        form.add_error("requester", _("No active client user has this email address."))
        return _render(request, form)
    try:
        services.alert_mapping_create(
            by=request.user,
            label=form.cleaned_data["label"],
            value=form.cleaned_data["value"],
            organization=requester.organization,
            requester=requester,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, form)
    messages.success(request, _("The alert mapping is added."))
    return redirect("desk:alert-mappings")


@admin_required
@require_POST
def alert_mapping_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mapping = get_object_or_404(alert_mappings_for_admin(request.user), pk=pk)
    services.alert_mapping_delete(by=request.user, mapping=mapping)
    messages.success(request, _("The alert mapping is removed."))
    return redirect("desk:alert-mappings")
