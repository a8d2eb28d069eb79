"""Response headers that depend on who asked."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user.

    A page for a signed-in user carries their tickets, invoices or a form token:
    neither a shared proxy nor the browser's disk cache (the back button on a
    shared computer after sign-out) may keep it. Anonymous pages (the landing
    page, sign-in) stay cacheable, and static files never get here: WhiteNoise
    answers them earlier in the chain.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
