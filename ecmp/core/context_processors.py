from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.backends.utils import csrf_input
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, Any]:
    return {"company_name": settings.ECMP_COMPANY_NAME}


def csrf_once(request: HttpRequest) -> dict[str, Any]:
    """The pages' CSRF field and token, each made once per page (Jinja2 pages only):
    Django's Jinja2 backend masks the token anew for every use, and a desk ticket
    page has ten forms. The field is Django's own (`csrf_input`)."""
    return {
        "csrf_input": SimpleLazyObject(lambda: csrf_input(request)),
        "csrf_token": SimpleLazyObject(lambda: get_token(request)),
    }
