"""Saved views of the queue: save the current filters under a name, rename, delete,
and (admins) share with the team. Writes: tickets/services/saved_views.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import admin_required, staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.queue_forms import SavedViewForm, SavedViewRenameForm
from ecmp.tickets.saved_view_selectors import (
    saved_view_for_owner,
    saved_view_for_sharing,
    saved_views_for_agent,
)
from ecmp.tickets.services import saved_views as services


def _queue(query: str) -> str:
    return reverse("desk:queue") + (f"?{query}" if query else "")


@staff_required
@require_GET
def saved_views(request: AuthenticatedHttpRequest) -> HttpResponse:
    views = saved_views_for_agent(request.user)
    rows = [
        (view, SavedViewRenameForm(initial={"name": view.name}, prefix=f"v{view.pk}"))
        for view in views
    ]
    return render(request, "desk/saved_views.html", {"nav": "queues", "rows": rows})


@staff_required
@require_POST
def saved_view_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    back = _queue(QueryDict(request.POST.get("query", "")[:2000]).urlencode())
    if not form.is_valid():
        refusal_to_messages(request, ValidationError(_("Give the view a name.")))
        return redirect(back)
    try:
        view = services.saved_view_create(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect(back)
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(_queue(view.query))


@staff_required
@require_POST
def saved_view_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = saved_view_for_owner(request.user, pk)
    form = SavedViewRenameForm(request.POST, prefix=f"v{view.pk}")
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the view a name."))
        services.saved_view_rename(by=request.user, view=view, name=form.cleaned_data["name"])
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The view is renamed."))
    return redirect("desk:saved-views")


@staff_required
@require_POST
def saved_view_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = saved_view_for_owner(request.user, pk)
    services.saved_view_delete(by=request.user, view=view)
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return redirect("desk:saved-views")


@admin_required
@require_POST
def saved_view_share(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = saved_view_for_sharing(request.user, pk)
    shared = request.POST.get("shared") == "1"
    services.saved_view_share(by=request.user, view=view, shared=shared)
    if shared:
        messages.success(request, _("The view is shared with the team."))
    else:
        messages.success(request, _("The view is no longer shared."))
    return redirect("desk:saved-views")
