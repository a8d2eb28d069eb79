"""After the password, the second factor: nothing else is reached until it is given.

Placed after AuthenticationMiddleware and django-otp's OTPMiddleware (which marks a
session verified by a device). A signed-in person who has an authenticator but
has not used it in this session goes to the verify page, unless this browser is
remembered; staff without one, when it is required, go to enrol. The desk, the
portal and Django's admin are all behind it; only the pages needed to finish or
abandon signing in are not.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login

from ecmp.accounts import twofactor

# Reached with the password alone: finishing or abandoning the sign-in, the
# language switch, links from emails (which sign nobody in), static files, health.
_OPEN_VIEWS = (
    "accounts:two-factor-setup",
    "accounts:two-factor-verify",
    "accounts:logout",
    "accounts:login",
    "accounts:set-language",
    "accounts:password-reset",
    "accounts:password-reset-sent",
    "accounts:password-reset-complete",
    "admin:logout",
    "healthz",
)
_OPEN_PREFIXES_OF = (
    ("accounts:activate", ("-",)),
    ("accounts:password-reset-confirm", ("-", "-")),
)


def _open_paths() -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(reverse(name) for name in _OPEN_VIEWS)
    # Token pages: everything from the path up to its first argument.
    prefixes = tuple(reverse(name, args=args).split("-/", 1)[0] for name, args in _OPEN_PREFIXES_OF)
    prefixes += ("/" + settings.STATIC_URL.lstrip("/"),)
    return exact, prefixes


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[frozenset[str], tuple[str, ...]] | None = None

    def _is_open(self, path: str) -> bool:
        if self._open is None:
            # Reversed on first use: URLconfs are not loaded when middleware is built.
            self._open = _open_paths()
        exact, prefixes = self._open
        return path in exact or path.startswith(prefixes)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            not user.is_authenticated
            # django_otp's OTPMiddleware (before this one) gives the user is_verified().
            or user.is_verified()  # type: ignore[attr-defined]  # added by OTPMiddleware
            or self._is_open(request.path_info)
        ):
            return self.get_response(request)
        device = twofactor.authenticator_for(user) if user.has_authenticator else None
        if device is None:
            if twofactor.two_factor_required(user):
                return self._send_to(request, "accounts:two-factor-setup")
            return self.get_response(request)
        remembered = twofactor.remembered_device(
            user=user,
            cookie=request.COOKIES.get(twofactor.REMEMBER_COOKIE),
        )
        if remembered is not None:
            otp_login(request, remembered)
            return self.get_response(request)
        return self._send_to(request, "accounts:two-factor-verify")

    @staticmethod
    def _send_to(request: HttpRequest, view: str) -> HttpResponse:
        url = reverse(view)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request") == "true":
            # A fragment request would swap the page into a corner: move the window.
            # (django-htmx's middleware runs after this one: the header is read here.)
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
