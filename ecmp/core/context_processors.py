from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.urls import get_script_prefix, get_urlconf
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from markupsafe import Markup, escape

from ecmp.core.presentation import link_in


def site(request: HttpRequest) -> dict[str, Any]:
    return {"company_name": settings.ECMP_COMPANY_NAME}


def viewer(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person as `user` (Jinja2 pages): `request.user` itself, read through
    once. It is a lazy object (Django's AuthenticationMiddleware), each attribute read
    through its proxy (about 1 µs; a page's layout reads 20 to 30)."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    if isinstance(user, LazyObject):
        # The object the lazy one stands for, evaluated as its first read would.
        lazy: Any = user  # its stubs do not name its two private members
        if lazy._wrapped is empty:
            lazy._setup()
        user = lazy._wrapped
    return {"user": user}


def page_links(request: HttpRequest) -> dict[str, Any]:
    """`link` for the page's templates (Jinja2 pages), its script prefix and urlconf
    read once per page: the environment's `link` reads both at each call (two
    context-local reads, 2.5 µs; the layout alone makes about ten calls). Both are set
    for the request before any view runs; the links are `link`'s, from its memo."""
    prefix, urlconf = get_script_prefix(), get_urlconf()

    def page_link(view: str, *args: Any) -> str:
        return link_in(view, args, prefix, urlconf)

    return {"link": page_link}


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


# Rendering the field's template for each page cost 45 µs (a template context of every
# global, for one value): its markup around the token is rendered once per template
# object (a new one when the file changes under DEBUG's reloading) and the page's token
# written between. The sentinel is text the template escapes to itself.
_VALUE_SPOT = "csrf-value-spot"


@lru_cache(maxsize=4)
def _csrf_field_pieces(template: Any) -> tuple[str, str]:
    before, after = template.render(token=_VALUE_SPOT).split(_VALUE_SPOT)
    return before, after


def _csrf_field(token: str) -> Markup:
    template = engines["jinja2"].env.get_template("includes/csrf_input.html")  # type: ignore[attr-defined]
    before, after = _csrf_field_pieces(template)
    written = before + str(escape(token)) + after  # plain text: str + Markup would escape `before`
    return Markup(written)  # noqa: S704 - the template's markup, the token escaped
