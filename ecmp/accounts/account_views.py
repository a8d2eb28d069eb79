"""My account: every signed-in person's own page (profile, password, second factor)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecmp.accounts import twofactor
from ecmp.accounts.requests import AuthenticatedHttpRequest


@login_required
@require_GET
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "two_factor_on": twofactor.authenticator_for(user) is not None,
            "two_factor_required": twofactor.two_factor_required(user),
        },
    )
