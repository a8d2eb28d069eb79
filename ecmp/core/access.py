"""Who may do what: the checks services make on their `by`, and the decorators
that guard pages with the same rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Any view: pages, redirects and file downloads (a FileResponse streams).
View = Callable[..., HttpResponseBase]


class Actor(Protocol):
    """The person acting (accounts' User; core does not import accounts)."""

    @property
    def is_active(self) -> bool: ...
    @property
    def is_staff(self) -> bool: ...  # an active admin
    @property
    def is_support_staff(self) -> bool: ...  # an agent or an admin


def is_staff_member(actor: Actor) -> bool:
    """An active agent or admin: who works the desk."""
    return actor.is_active and actor.is_support_staff


def is_admin(actor: Actor) -> bool:
    """An active administrator: settings, billing, the team, the audit log."""
    return actor.is_staff


def require_staff(actor: Actor) -> None:
    """A service's check on its `by`: an active agent or admin, or PermissionDenied."""
    if not is_staff_member(actor):
        raise PermissionDenied


def require_admin(actor: Actor) -> None:
    """A service's check on its `by`: an active administrator, or PermissionDenied."""
    if not is_admin(actor):
        raise PermissionDenied


def staff_required(view: View) -> View:
    """Desk pages: agents and admins only; a customer is refused."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # login_required above: the user is signed in, never AnonymousUser.
        require_staff(request.user)  # type: ignore[arg-type]  # signed in: a User
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    """Desk pages for administrators only (settings, billing, the team, the audit log)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        require_admin(request.user)  # type: ignore[arg-type]  # signed in: a User
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
