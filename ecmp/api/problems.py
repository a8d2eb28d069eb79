"""Errors as RFC 9457 problem details (`application/problem+json`), for every refusal.

The services refuse with Django's exceptions (Http404, PermissionDenied, a
ValidationError written for the user); they become problems here, so the API
says no in the same words as the pages. A stale version ("changed since you
opened it") is 412, as If-Match asks.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

PROBLEM_TYPE = "application/problem+json"


class PreconditionFailed(Exception):
    """If-Match named another version of the resource."""


class ScopeDenied(Exception):
    """A read-only token asked for a write."""


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def problem(
    request: HttpRequest,
    status: int,
    detail: str = "",
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    response = HttpResponse(
        json.dumps(body), status=status, content_type=f"{PROBLEM_TYPE}; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Pydantic's entries may hold the bad input itself (any type): keep what says where and why.
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]


def install(api: NinjaAPI) -> None:
    """Every refusal the API meets, as a problem. (Handlers take `Any`: ninja types a
    handler's exception as the class or an instance.)"""

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 404, _("Not found."))

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 403, _("You may not do this."))

    def scope(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 403, _("This token may only read: create a read-write token."))

    def refused(request: HttpRequest, exc: Any) -> HttpResponse:
        detail = " ".join(exc.messages)
        codes = {getattr(error, "code", None) for error in exc.error_list}
        if "stale" in codes:
            return problem(request, 412, detail)
        return problem(request, 422, detail, code=next(iter(sorted(c or "" for c in codes)), ""))

    def bad_request(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, 422, _("The request is not valid."), errors=_validation_errors(exc))

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            request,
            401,
            _("Send a valid, unexpired API token: Authorization: Bearer <token>."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(request, exc.status_code, str(exc))

    def stale(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            request,
            412,
            _("This ticket changed since you read it. Read it again, then try again."),
        )

    def too_many(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            request,
            429,
            _("Too many requests for this token: wait, then try again."),
            headers={"Retry-After": str(exc.retry_after)},
        )

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(ScopeDenied, scope)
    api.add_exception_handler(ValidationError, refused)
    api.add_exception_handler(RequestValidationError, bad_request)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(PreconditionFailed, stale)
    api.add_exception_handler(RateLimited, too_many)


def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: a problem too, not the site's HTML page."""
    return problem(request, 404, _("Not found."))
