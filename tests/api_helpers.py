"""Helpers for the REST API's tests: tokens made through the service, and a client
that sends them."""

from __future__ import annotations

from django.test import Client

from ecmp.api.tokens import api_token_create


def token_for(user, *, scope="read-write", days=None):
    """A live token of `user` (staff as if they passed the second factor) and its secret."""
    return api_token_create(
        by=user, name="test", scope=scope, expires_in_days=days, second_factor_verified=True
    )


class ApiClient:
    """Django's test client with `Authorization: Bearer <secret>` on every request."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, params=None, **headers):
        return self.client.get(f"/api/v1{path}", params or {}, headers={**self.headers, **headers})

    def post(self, path, data=None, **headers):
        return self.client.post(
            f"/api/v1{path}",
            data if data is not None else {},
            content_type="application/json",
            headers={**self.headers, **headers},
        )


def api_as(user, **kwargs) -> ApiClient:
    _token, secret = token_for(user, **kwargs)
    return ApiClient(secret)
