from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.utils.functional import SimpleLazyObject
from markupsafe import Markup


def site(request: HttpRequest) -> dict[str, Any]:
    return {"company_name": settings.ECMP_COMPANY_NAME}


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """The pages' CSRF field and token, made once per page from one masked token (Jinja2
    pages only): Django's Jinja2 backend masks the token anew for every use (a mask is
    32 random characters, 55 µs here), and every page writes both the token (htmx's
    header) and the field (the language switch, a form). The field is written as
    Django's `csrf_input` writes it, by includes/csrf_input.html."""
    token = SimpleLazyObject(lambda: get_token(request))
    return {
        "csrf_input": SimpleLazyObject(lambda: _csrf_field(str(token))),
        "csrf_token": token,
    }


@cache
def _csrf_field_template() -> Any:
    return engines["jinja2"].env.get_template("includes/csrf_input.html")  # type: ignore[attr-defined]


def _csrf_field(token: str) -> Markup:
    return Markup(_csrf_field_template().render(token=token))  # noqa: S704 - the template's own output, escaped as it was written
