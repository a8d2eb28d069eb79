"""The pages' gettext (config/jinja_gettext.py) writes what Jinja2's new-style gettext
over Django's catalog wrote: same words, escaping and formatting, in the page's language."""

from __future__ import annotations

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation
from jinja2 import Environment
from jinja2.ext import i18n

from config.jinja_gettext import page_translations

SOURCES = [
    '{{ _("Desk") }}',
    '{{ _("Select ticket %(number)s", number=n) }}',
    '{{ _("Select ticket %(number)s", number=evil) }}',
    '{{ gettext("Tickets") }}',
    "{% trans %}Tickets{% endtrans %}",
    "{% trans n=n %}{{ n }} message held{% pluralize n %}{{ n }} messages held{% endtrans %}",
    "{% trans n=1 %}{{ n }} message held{% pluralize n %}{{ n }} messages held{% endtrans %}",
    '{{ ngettext("%(num)s day", "%(num)s days", n) }}',
    '{{ pgettext("month name", "May") }}',
    '{{ _("100%% sure") }}',
]


def jinja2_reference() -> Environment:
    """Jinja2's own new-style gettext over Django's, as the pages used before."""
    env = Environment(autoescape=True, extensions=[i18n])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    return env


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("source", SOURCES)
def test_pages_translate_as_jinja2_did(language, source):
    values = {"n": 3, "evil": "<b>"}
    reference = jinja2_reference().from_string(source)
    page = engines["jinja2"].from_string(source)
    with translation.override(language):
        expected = reference.render(values)
        # Without a request (globals, the language read at each call) and with one
        # (the context processor's functions, the language read once).
        assert page.render(values) == expected
        assert page.render(values, request=RequestFactory().get("/")) == expected
    if source == SOURCES[2]:
        assert "&lt;b&gt;" in expected


def test_the_page_keeps_the_language_it_started_in():
    with translation.override("fr"):
        functions = page_translations(RequestFactory().get("/"))
    with translation.override("en"):
        assert functions["_"]("Desk") == translation.gettext_noop("Bureau")
