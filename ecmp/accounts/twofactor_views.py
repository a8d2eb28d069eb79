"""The second factor's pages: enrol, verify after the password, backup codes, turn off."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device

from ecmp.accounts import twofactor
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.twofactor_forms import EnrolForm, VerifyForm

# The secret being enrolled lives in the session until a code confirms it: the
# setup page can be reloaded without changing the QR code, and nothing is stored
# for an enrolment never finished.
PENDING_SECRET_KEY = "ecmp_2fa_pending_secret"  # noqa: S105 - a session key name


def next_url(request: HttpRequest) -> str:
    """Where to go once the second factor is done: `next` if it is ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _verified(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is proven: a key seen before
    # (on a shared computer, in a log) gives no verified session.
    request.session.cycle_key()


@login_required
@require_GET
def two_factor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/two_factor_home.html",
        {
            "device": twofactor.authenticator_for(user),
            "codes_left": twofactor.backup_codes_left(user),
            "may_turn_off": twofactor.two_factor_may_turn_off(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if twofactor.authenticator_for(user) is not None:
        return redirect("accounts:two-factor")
    secret = request.session.get(PENDING_SECRET_KEY)
    if not (isinstance(secret, str) and twofactor.secret_is_valid(secret)):
        secret = request.session[PENDING_SECRET_KEY] = twofactor.new_secret()
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.two_factor_enrol(
                user=user, secret=secret, code=form.cleaned_data["code"]
            )
        except twofactor.TwoFactorError:
            form.add_error("code", _("This code does not match. Type the code the app shows now."))
        else:
            del request.session[PENDING_SECRET_KEY]
            _verified(request, device)
            return render(
                request,
                "accounts/two_factor_backup_codes.html",
                {"codes": codes, "enrolled": True, "next": next_url(request)},
            )
    uri = twofactor.otpauth_uri(user, secret)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": twofactor.qr_data_uri(uri),
            "secret": twofactor.secret_grouped(secret),
            "required": twofactor.two_factor_required(user),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():  # type: ignore[attr-defined]  # added by django_otp's OTPMiddleware
        return redirect(next_url(request))
    authenticator = twofactor.authenticator_for(user)
    if authenticator is None:
        return redirect("accounts:two-factor-setup")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("This code is not valid. Wait for a new one and try again."))
        else:
            _verified(request, device)
            response = redirect(next_url(request))
            if form.cleaned_data["remember"]:
                cookie = twofactor.remember_cookie_for(user=user, device=authenticator)
                response.set_cookie(
                    cookie.name,
                    cookie.value,
                    max_age=cookie.max_age,
                    secure=cookie.secure,
                    httponly=True,
                    samesite="Lax",
                )
            return response
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@login_required
@require_POST
def backup_codes_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        codes = twofactor.backup_codes_create(user=request.user)
    except twofactor.TwoFactorError:
        return redirect("accounts:two-factor")
    return render(
        request,
        "accounts/two_factor_backup_codes.html",
        {"codes": codes, "enrolled": False, "next": resolve_url("accounts:two-factor")},
    )


@login_required
@require_POST
def two_factor_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        twofactor.two_factor_turn_off(user=request.user)
    except twofactor.TwoFactorError:
        messages.error(request, _("Two-factor authentication is required for your account."))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:account")
