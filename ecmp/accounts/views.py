"""Sign-in, activation through "To the portal", password reset and change, language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic.edit import FormView

from ecmp.accounts import credentials, services, signin
from ecmp.accounts.audit import client_address
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

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        signin.browser_remember(response, form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        wait = getattr(self.request, "signin_wait_seconds", 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


class SignOutView(auth_views.LogoutView):
    pass


def _remember_language(response: HttpResponseBase, language: str) -> None:
    """The browser of a person an email's link proved keeps their language for the
    pages before they sign in (as the language switch does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
    )


@require_http_methods(["GET", "POST"])
def signin_unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the "someone is trying your password" email. GET only shows a
    button: mail scanners that open links must not use up the single-use link."""
    person = signin.signin_unlock_user(token)
    if person is None or not person.language:
        return _signin_unlock(request, token)
    with translation.override(person.language):
        response = _signin_unlock(request, token)
    response.headers["Content-Language"] = person.language
    if request.method == "POST" and response.status_code == 302:
        _remember_language(response, person.language)
    return response


def _signin_unlock(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            user = signin.signin_unlock(token)
        except ValidationError:
            return render(request, "accounts/signin_unlock.html", {"valid": False}, status=410)
        response = redirect("accounts:login")
        signin.browser_remember(response, user)
        messages.success(request, _("This browser can sign in to your account again."))
        return response
    valid = signin.signin_unlock_user(token) is not None
    return render(
        request, "accounts/signin_unlock.html", {"valid": valid}, status=200 if valid else 410
    )


class PasswordResetView(FormView):
    """Always the same answer, in the same time: see accounts/credentials.py."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        credentials.password_reset_request(
            email=form.cleaned_data["email"], address=client_address(self.request)
        )
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The page of the reset email's link, in its person's language as the email.
        user = self.get_user(kwargs.get("uidb64", ""))
        language = (user.language if user is not None else "") or translation.get_language()
        with translation.override(language):
            response = super().dispatch(*args, **kwargs)
            if isinstance(response, TemplateResponse):
                response.render()
        response.headers["Content-Language"] = language
        return response

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        credentials.password_reset_complete(
            user=form.user, password=form.cleaned_data["new_password1"]
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        response = HttpResponseRedirect(self.get_success_url())
        if form.user.language:  # the next pages, before sign-in, in their language
            _remember_language(response, form.user.language)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        credentials.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


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
    # The invited person's language, as their welcome email: the page, its errors
    # and the flash message the Dashboard shows after it.
    language = invitation.user.language or translation.get_language()
    with translation.override(language):
        response = _activate(request, invitation)
    response.headers["Content-Language"] = language
    return response


def _activate(request: HttpRequest, invitation: Invitation) -> HttpResponse:
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
    with translation.override(invitation.user.language or translation.get_language()):
        try:
            credentials.invitation_renew_request(
                invitation=invitation, address=client_address(request)
            )
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
            user_set_language(user=request.user, language=language)
        response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
