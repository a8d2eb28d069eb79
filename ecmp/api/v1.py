"""The REST API, version 1: django-ninja, mounted at /api/v1/ by config/urls.py.

The OpenAPI 3.1 document is at /api/v1/openapi.json, made from the typed views;
/api/v1/docs is Swagger UI served from our own static files (ninja ships them),
so the site's Content-Security-Policy (`'self'` only) needs no exception.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from ecmp.api import problems
from ecmp.api.alerts import router as alerts_router
from ecmp.api.billing import router as billing_router
from ecmp.api.contracts import router as contracts_router
from ecmp.api.followers import router as followers_router
from ecmp.api.parser import CleanParser
from ecmp.api.people import router as people_router
from ecmp.api.resources import router as resources_router
from ecmp.api.tickets import router as tickets_router

DESCRIPTION = """
ECMP's help desk, for tools. Authenticate with a personal access token (create one
on *My account → API tokens*): `Authorization: Bearer ecmp_…`. A token acts as its
owner: a customer's token sees what the portal shows them, an agent's the desk.

Errors are RFC 9457 problem details (`application/problem+json`). Lists are paged by
cursor (`next_cursor`). A ticket's `ETag` is its version: send it in `If-Match` with a
change, and a ticket changed meanwhile answers 412. Each token may make
`ECMP_API_RATE_PER_MINUTE` requests a minute (600 by default); past that, 429 with
`Retry-After`. See docs/api.md.
"""


_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The ticket's ETag as you read it: a ticket changed since is 412",
    "schema": {"type": "string", "maxLength": 40},
}
_ETAG = {"description": "The ticket's version", "schema": {"type": "string"}}
_RETRY_AFTER = {"description": "Seconds to wait", "schema": {"type": "integer"}}


class EcmpApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """What ninja cannot say from the views' types: errors are
        application/problem+json, writes take If-Match, tickets carry an ETag, a 429
        a Retry-After."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                for status, answer in responses.items():
                    content = answer.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[problems.PROBLEM_TYPE] = content.pop("application/json")
                    ref = str(content.get("application/json", {}).get("schema", {}))
                    if "TicketDetail" in ref:
                        answer.setdefault("headers", {})["ETag"] = _ETAG
                # Ninja keys the responses by int; a JSON document by string.
                codes = {str(code): answer for code, answer in responses.items()}
                if "412" in codes:
                    operation.setdefault("parameters", []).append(_IF_MATCH)
                if "429" in codes:
                    codes["429"].setdefault("headers", {})["Retry-After"] = _RETRY_AFTER
        return schema


api = EcmpApi(
    title="ECMP API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    parser=CleanParser(),
)
problems.install(api)
api.add_router("/", tickets_router)
api.add_router("/", resources_router)
api.add_router("/", people_router)
api.add_router("/", billing_router)
api.add_router("/", followers_router)
api.add_router("/", contracts_router)
api.add_router("/", alerts_router)


def _method_problem(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Ninja answers a method a path does not take with a bare 405: a problem too."""

    @wraps(view)  # keeps csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Allow"):
            return problems.problem(
                request,
                405,
                _("This method is not allowed here."),
                headers={"Allow": response["Allow"]},
            )
        return response

    return wrapper


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """`api.urls` with every view answering a wrong method with a problem."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _method_problem(pattern.callback)
    return patterns, app_name, namespace
