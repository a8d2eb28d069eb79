"""Sign-in with a login or an email address, counted per account by axes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from ecmp.accounts.models import User
from ecmp.accounts.selectors import user_find_by_identifier
from ecmp.accounts.signin import SignInSlowedDown, signin_wait_seconds


class LoginOrEmailBackend(ModelBackend):
    def authenticate(
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
        # An account whose password is being tried from everywhere: refused before the
        # password is read (authenticate() reports it as a failed sign-in).
        wait = signin_wait_seconds(request, account_key(identifier, user), user)
        if wait:
            # Read by the sign-in view to answer 429 with Retry-After.
            request.signin_wait_seconds = wait  # type: ignore[union-attr]  # a marker of ours
            raise SignInSlowedDown
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


def account_key(identifier: str, user: User | None) -> str:
    """The account as failures are counted: its email, or what was typed, normalized."""
    return user.email if user else identifier.strip().lower()[:254]


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
    raw = str(raw)
    return account_key(raw, user_find_by_identifier(raw))
