"""Sign-in, activation through "To the portal", password reset and change, language."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecmp.accounts import services
from ecmp.accounts.forms import (
    ActivationForm,
    LanguageForm,
    PasswordResetRequestForm,
    SignInForm,
)
from ecmp.accounts.models import Invitation
from ecmp.accounts.selectors import invitation_get_by_token
from ecmp.accounts.services import user_set_language

AUTH_BACKEND = "ecmp.accounts.backends.LoginOrEmailBackend"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-sent")


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _unknown_link(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/activation_unknown.html", status=404)


def _link_gone(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """A used, revoked or expired link: say which, and how to go on."""
    return render(
        request,
        "accounts/activation_gone.html",
        {
            "invitation": invitation,
            "renewable": invitation.accepted_at is None and invitation.revoked_at is None,
        },
        status=410,
    )


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_by_token(token)
    if invitation is None:
        return _unknown_link(request)
    if not invitation.is_usable:
        return _link_gone(request, invitation)
    form = ActivationForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome! Your password is set."))
            return redirect("portal:dashboard")
    return render(request, "accounts/activate.html", {"form": form, "invitation": invitation})


@require_POST
def activation_renew(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_get_by_token(token)
    if invitation is None:
        return _unknown_link(request)
    try:
        services.invitation_renew(invitation=invitation)
    except ValidationError:
        return _link_gone(request, invitation)
    return render(request, "accounts/activation_renewed.html", {"invitation": invitation})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
        response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
