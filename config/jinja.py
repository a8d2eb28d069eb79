"""The pages' template engine: Django's Jinja2 backend, with what the pages call.

Pages are Jinja2 templates under jinja2/ (docs/architecture.md, "Templates": the
template language was the largest cost of every page). Emails and the Django
admin keep Django's template language (templates/). Translations go through
Django's gettext (`_`, `gettext`, `ngettext`, `pgettext`, and `{% trans %}` blocks,
new-style: variables are escaped, and the msgids are those of Django's
`blocktranslate`); `manage.py makemessages` reads them (ecmp/core/management).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from jinja2 import ChainableUndefined, Environment

from config.jinja_gettext import GETTEXT_GLOBALS
from config.jinja_literal_gettext import FILTERS as LITERAL_GETTEXT_FILTERS
from config.jinja_literal_gettext import LiteralGettext
from config.side_menu import side_menu
from ecmp.billing.activity_names import activity_label
from ecmp.billing.duration import format_duration
from ecmp.core import template_escape
from ecmp.core.presentation import choices_of, instant, link, when, widget
from ecmp.mail.reasons import reason_label
from ecmp.tickets.item_cells import ticket_item_cells
from ecmp.tickets.presentation import (
    event_summary,
    priority_badge,
    queue_cells,
    sla_badge,
    status_badge,
    thread_entries,
    thread_keep,
    ticket_cells,
)


def url(view: str, *args: Any, **kwargs: Any) -> str:
    """`{% url %}`: `url("portal:ticket-detail", ticket.number)`."""
    return reverse(view, args=args or None, kwargs=kwargs or None)


@lru_cache(maxsize=256)
def _static(path: str) -> str:
    # The manifest's answer for a file never changes while the process runs.
    return static(path)


def _duration(minutes: Any) -> str:
    return format_duration(int(minutes or 0))


def _local(value: Any) -> Any:
    # An aware datetime in the current time zone, as Django's templates give it to
    # their `date` and `time` filters (`expects_localtime`).
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _date(value: Any, arg: str | None = None) -> str:
    return defaultfilters.date(_local(value), arg)


def _time(value: Any, arg: str | None = None) -> str:
    return defaultfilters.time(_local(value), arg)


def _default(value: Any, fallback: Any = "") -> Any:
    # Django's `default`: the fallback for any false value, not only undefined.
    return value or fallback


# Django's filters, under their names, where Jinja2 has none or one that writes
# something else (its urlize, filesizeformat and urlencode differ from Django's).
FILTERS = {
    "date": _date,
    "time": _time,
    "default": _default,
    "default_if_none": defaultfilters.default_if_none,
    "truncatechars": defaultfilters.truncatechars,
    "linebreaksbr": defaultfilters.linebreaksbr,
    "urlize": defaultfilters.urlize,
    "filesizeformat": defaultfilters.filesizeformat,
    "urlencode": defaultfilters.urlencode,
    "json_script": defaultfilters.json_script,
    "add": defaultfilters.add,
    "force_escape": defaultfilters.force_escape,
    "duration": _duration,
    "event_summary": event_summary,
    "activity_label": activity_label,
    "mail_reason": reason_label,
}

GLOBALS = {
    "url": url,
    "link": link,
    "static": _static,
    "widget": widget,
    "choices_of": choices_of,
    "when": when,
    "instant": instant,
    "status_badge": status_badge,
    "priority_badge": priority_badge,
    "sla_badge": sla_badge,
    "queue_cells": queue_cells,
    "ticket_item_cells": ticket_item_cells,
    "ticket_cells": ticket_cells,
    "thread_entries": thread_entries,
    "thread_keep": thread_keep,
    "get_current_language": translation.get_language,
    "side_menu": side_menu,
}


def environment(**options: Any) -> Environment:
    # As lenient as Django's templates: a missing name, or an attribute of one, writes
    # nothing (Django's backend would set Undefined, or DebugUndefined under DEBUG).
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # `_("literal")` written as a direct filter call (config/jinja_literal_gettext.py).
    options["extensions"].append(LiteralGettext)
    options.pop("autoescape", None)  # always on: pages escape what they write
    # markupsafe's escape, faster for the values pages write most (core/template_escape.py):
    # installed before the environment compiles its first template.
    template_escape.install()
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    # The same new-style functions, translated once per language (config/jinja_gettext.py).
    env.globals.update(GETTEXT_GLOBALS)
    env.filters.update(LITERAL_GETTEXT_FILTERS)
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS, LANGUAGES=settings.LANGUAGES)
    return env
