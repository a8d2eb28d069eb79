"""Who may open which kind of page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Any view: pages, redirects and file downloads (a FileResponse streams).
View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Desk pages: agents and admins only; a customer is refused."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # login_required above: the user is signed in, never AnonymousUser.
        if not request.user.is_support_staff:  # type: ignore[union-attr]  # signed in
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    """Desk pages for administrators only (settings, billing, the team, the audit log)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def team_manager_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (user.is_customer and user.is_team_manager):  # type: ignore[union-attr]  # signed in
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
