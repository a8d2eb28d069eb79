"""The side menu of every signed-in page, rendered once per distinct menu.

The menu (`jinja2/includes/side_menu.html`) depends only on the language, the
reader's kind (support staff, admin, team manager), the page it marks active, and,
for the support team, the held-mail and pending-request counts. Its twenty links and
labels cost about a fifth of the layout on every page; rendered once per such key
and kept (bounded), a page pays the key. Nothing personal is in it: no name, no
token, no address.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template import engines
from django.urls import get_script_prefix
from django.utils import translation
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


@pass_context
def side_menu(context: Context, nav: Any) -> Markup:
    user = context["user"]  # read through once (core/context_processors.viewer)
    staff = bool(user.is_support_staff)
    held = pending = 0
    if staff:
        counts = context["desk_alerts"]()
        held, pending = counts["held_mail"], counts["registration_requests"]
    return _rendered(
        translation.get_language(),
        get_script_prefix(),
        nav if isinstance(nav, str) else "",
        staff,
        staff and bool(user.is_staff),
        not staff and bool(user.is_team_manager),
        held,
        pending,
    )


@lru_cache(maxsize=512)
def _rendered(
    language: str | None,
    prefix: str,
    nav: str,
    staff: bool,
    admin: bool,
    manager: bool,
    held: int,
    pending: int,
) -> Markup:
    del prefix  # in the key: the links depend on it
    template = engines["jinja2"].env.get_template("includes/side_menu.html")  # type: ignore[attr-defined]
    with translation.override(language):
        html = template.render(
            nav=nav, staff=staff, admin=admin, manager=manager, held=held, pending=pending
        )
    return Markup(html)  # noqa: S704 - the template's own output, escaped as it was written
