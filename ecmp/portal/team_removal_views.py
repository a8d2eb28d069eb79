"""A team manager asks the support team to remove a colleague who left (the form is
on the "My team" page, portal/views.py team_requests)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecmp.accounts.removal_selectors import colleague_for_manager
from ecmp.accounts.removals import removal_request_create
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import team_manager_required
from ecmp.core.refusals import refusal_to_messages


class RemovalRequestForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=2000)


@team_manager_required
@require_POST
def removal_request(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = colleague_for_manager(request.user, user_id)  # 404 outside the manager's team
    form = RemovalRequestForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["reason"].strip():
        messages.error(request, _("Please tell the support team why."))
        return redirect("portal:team-requests")
    try:
        removal_request_create(
            manager=request.user, person=person, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request,
            _("Your request to remove %(name)s was sent to the support team.")
            % {"name": person.full_name},
        )
    return redirect("portal:team-requests")
