"""Sign-in with a login or an email address, counted per account by axes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ecmp.accounts.models import User
from ecmp.accounts.selectors import user_find_by_identifier


class LoginOrEmailBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        identifier = username or kwargs.get("email")
        if not identifier or password is None:
            return None
        user = user_find_by_identifier(identifier)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        """Inactive users, and users of an inactive organization, cannot sign in."""
        if not super().user_can_authenticate(user):
            return False
        organization = getattr(user, "organization", None)
        return organization is None or organization.active

    def get_user(self, user_id: int) -> User | None:
        try:
            user = User.objects.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def canonical_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """What axes counts failures against: the account's email, however it was typed.

    Without this, "bob", "bob@example.com" and "BOB" would each get their own
    counter and an attacker five tries for each.
    """
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get("email")
    if not raw and request is not None:
        raw = request.POST.get("username")
    if not raw:
        return None
    user = user_find_by_identifier(str(raw))
    return user.email if user else str(raw).strip().lower()[:254]
