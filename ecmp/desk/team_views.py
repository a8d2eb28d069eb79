"""The support team (admins only): who is who, and resetting a lost second factor."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecmp.accounts import twofactor
from ecmp.accounts.models import User
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.team_reads import team_rows_for_admin
from ecmp.accounts.twofactor_forms import ResetForm
from ecmp.core.access import admin_required


@admin_required
@require_GET
def team(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/team.html",
        {"nav": "team-staff", "people": team_rows_for_admin(request.user)},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def two_factor_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Asks why (GET), then removes the person's second factor (POST)."""
    person = get_object_or_404(User, pk=user_id)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        twofactor.two_factor_reset(
            user=person,
            by=request.user,
            detail=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Two-factor authentication is reset for %(email)s.") % {"email": person.email},
        )
        if person.organization_id:
            return redirect("desk:organization", pk=person.organization_id)
        return redirect("desk:team")
    return render(
        request,
        "desk/team_two_factor_reset.html",
        {"nav": "team-staff", "person": person, "form": form},
        status=400 if form.errors else 200,
    )
