"""The support team answers the team managers' requests to remove a colleague, as it
answers registration requests (desk/views.py): approve (the account is deactivated,
history kept) or decline with a reason; the manager is emailed either way."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.forms import DeclineForm
from ecmp.accounts.removal_models import RemovalRequest
from ecmp.accounts.removal_selectors import removal_request_list_for_staff
from ecmp.accounts.removals import removal_request_approve, removal_request_decline
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages


@staff_required
@require_GET
def removal_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", RemovalRequest.Status.PENDING)
    if status not in RemovalRequest.Status.values:
        status = RemovalRequest.Status.PENDING
    return render(
        request,
        "desk/removal_requests.html",
        {
            "requests": removal_request_list_for_staff(status=status)[:200],
            "status": status,
            "statuses": RemovalRequest.Status.choices,
            "nav": "requests",
        },
    )


@staff_required
@require_POST
def removal_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    removal = get_object_or_404(RemovalRequest, pk=pk)
    try:
        removal = removal_request_approve(request=removal, by=request.user)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request,
            _("The account of %(name)s is closed; the manager is told.")
            % {"name": removal.person.full_name},
        )
    return redirect("desk:removal-requests")


@staff_required
@require_POST
def removal_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    removal = get_object_or_404(RemovalRequest, pk=pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the manager a reason."))
        return redirect("desk:removal-requests")
    try:
        removal_request_decline(
            request=removal, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The request was declined; the manager sees your reason."))
    return redirect("desk:removal-requests")
