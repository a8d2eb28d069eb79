"""Who calls the API: a personal access token in `Authorization: Bearer <token>`.

Tokens only, never the session cookie: a browser cannot be made to call the API
with the signed-in person's rights, so CSRF does not apply (django-ninja checks CSRF
only for cookie authentication)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from ecmp.accounts.models import User
from ecmp.api.models import ApiToken
from ecmp.api.problems import ScopeDenied
from ecmp.api.ratelimit import rate_check
from ecmp.api.tokens import api_token_authenticate


class TokenAuth(HttpBearer):
    """`write=True` on the operations that change something: a read token gets 403."""

    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token.strip())
        if found is None:
            return None  # ninja answers 401
        rate_check(found.pk)
        if self.write and not found.writes:
            raise ScopeDenied
        return found


read_auth = TokenAuth()
write_auth = TokenAuth(write=True)


def caller(request: HttpRequest) -> User:
    """The token's owner: whom every selector and service is asked for."""
    token: Any = request.auth  # type: ignore[attr-defined]  # set by ninja after auth
    user: User = token.user
    return user
