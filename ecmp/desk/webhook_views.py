"""Webhooks (admins): endpoints, their secret, their delivery log, redelivery.
Writes: webhooks/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import admin_required
from ecmp.core.paging import long_list_page
from ecmp.core.refusals import refusal_to_messages
from ecmp.webhooks import selectors, services
from ecmp.webhooks.event_types import EVENT_TYPES
from ecmp.webhooks.models import WebhookEndpoint


class EndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=EVENT_TYPES, widget=forms.CheckboxSelectMultiple
    )
    internal = forms.BooleanField(
        label=gettext_lazy("Internal: may receive internal notes"), required=False
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def _endpoint(request: AuthenticatedHttpRequest, pk: int) -> WebhookEndpoint:
    try:
        return selectors.endpoint_get_for_admin(user=request.user, pk=pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _form_page(
    request: AuthenticatedHttpRequest, form: EndpointForm, endpoint: WebhookEndpoint | None
) -> HttpResponse:
    context = {"nav": "webhooks", "form": form, "endpoint": endpoint}
    return render(request, "desk/webhook_form.html", context, status=400 if form.is_bound else 200)


@admin_required
@require_GET
def webhooks(request: AuthenticatedHttpRequest) -> HttpResponse:
    endpoints = selectors.endpoint_list_for_admin(user=request.user)
    labels = dict(EVENT_TYPES)
    return render(
        request,
        "desk/webhooks.html",
        {"nav": "webhooks", "endpoints": endpoints, "labels": labels},
    )


def _save(request: AuthenticatedHttpRequest, endpoint: WebhookEndpoint | None) -> HttpResponse:
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, endpoint)
    values: dict[str, Any] = form.cleaned_data
    try:
        if endpoint is None:
            endpoint = services.endpoint_create(by=request.user, **values)
            messages.success(
                request, _("The endpoint is added. Give its signing secret to the receiver.")
            )
        else:
            services.endpoint_update(by=request.user, endpoint=endpoint, **values)
            messages.success(request, _("The endpoint is saved."))
    except ValidationError as error:
        form.add_error("events" if error.code == "events" else "url", error)
        return _form_page(request, form, endpoint)
    return redirect("desk:webhook-detail", pk=endpoint.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    return _form_page(request, EndpointForm(), None)


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if request.method == "POST":
        return _save(request, endpoint)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "internal": endpoint.internal,
        "active": endpoint.active,
    }
    return _form_page(request, EndpointForm(initial=initial), endpoint)


@admin_required
@require_GET
def webhook_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The endpoint, its secret, and its delivery log (paged in the database)."""
    endpoint = _endpoint(request, pk)
    deliveries = selectors.delivery_log_for_admin(user=request.user, endpoint=endpoint)
    page, query_without_page = long_list_page(request, deliveries)
    context = {
        "nav": "webhooks",
        "endpoint": endpoint,
        "labels": dict(EVENT_TYPES),
        "page": page,
        "query_without_page": query_without_page,
    }
    return render(request, "desk/webhook_detail.html", context)


@admin_required
@require_POST
def webhook_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    services.endpoint_secret_rotate(by=request.user, endpoint=endpoint)
    messages.success(
        request, _("The secret is replaced: give the new one to the receiver at once.")
    )
    return redirect("desk:webhook-detail", pk=endpoint.pk)


@admin_required
@require_POST
def webhook_enable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    try:
        services.endpoint_enable(by=request.user, endpoint=endpoint)
    except ValidationError as refusal:
        refusal_to_messages(request, refusal)
    else:
        messages.success(request, _("The endpoint is enabled: waiting deliveries are sent."))
    return redirect("desk:webhook-detail", pk=endpoint.pk)


@admin_required
@require_POST
def webhook_redeliver(request: AuthenticatedHttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    try:
        delivery = selectors.delivery_get_for_admin(
            user=request.user, endpoint=endpoint, pk=delivery_id
        )
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    try:
        services.delivery_redeliver(by=request.user, delivery=delivery)
    except ValidationError as refusal:
        refusal_to_messages(request, refusal)
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("desk:webhook-detail", pk=endpoint.pk)
