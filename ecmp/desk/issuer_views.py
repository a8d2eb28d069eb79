"""The issuer's details printed on every invoice (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.forms import IssuerProfileForm
from ecmp.billing.invoice_view import logo_data_uri
from ecmp.billing.issuer import issuer_profile_get, issuer_profile_update
from ecmp.core.access import admin_required


@admin_required
@require_http_methods(["GET", "POST"])
def issuer_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = issuer_profile_get()
    form = IssuerProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issuer_profile_update(
                by=request.user,
                values=data,
                logo=data.get("logo") or None,
                remove_logo=data.get("remove_logo", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The issuer's details are saved."))
            return redirect("desk:issuer")
    status = 400 if request.method == "POST" else 200
    context = {"nav": "billing", "form": form, "logo": logo_data_uri(profile.logo.name or "")}
    return render(request, "desk/issuer.html", context, status=status)
