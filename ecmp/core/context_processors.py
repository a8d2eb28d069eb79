from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html


def site(request: HttpRequest) -> dict[str, Any]:
    return {"company_name": settings.ECMP_COMPANY_NAME}


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """The pages' CSRF token and field, masked once per page (Jinja2 pages only):
    Django's Jinja2 backend masks the token anew for every use, and a desk ticket
    page has ten forms."""
    token = SimpleLazyObject(lambda: get_token(request))
    field = SimpleLazyObject(
        lambda: format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    )
    return {"csrf_token": token, "csrf_input": field}
