"""`_("literal")` compiled as a direct filter call (config/jinja_literal_gettext.py)
writes what the call wrote, with every kind of `_` a template may see."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation
from jinja2 import pass_context

from config.jinja import environment
from config.jinja_gettext import page_translations
from config.jinja_literal_gettext import LiteralGettext

SOURCES = [
    '{{ _("Send") }}',
    '{{ _("Close") ~ "!" }} {{ _("Send")|upper }} {{ [_("Open"), _("Tickets")]|join(",") }}',
    '{{ gettext("Tickets") }} {{ _( "Send" ) }}',
    "{{ _('It''s <b>&amp;') if true }}",
    '{{ _("100%%") }} {{ _("%(n)s x", n=2) }} {{ _("a" "b") }}',
    '{% set x = {"_": none} %}{{ x._ }}{% macro m() %}{{ _("Send") }}{% endmacro %}{{ m() }}',
    '{% for i in range(2) %}{{ _("History") }}{% endfor %}{% if _("Send") %}y{% endif %}',
    '{% import "includes/ui.html" as ui %}{{ _("Assignee") }}',
]


@pytest.fixture
def envs():
    fast = environment(loader=engines["jinja2"].env.loader)
    plain = environment(loader=engines["jinja2"].env.loader)
    name = f"{LiteralGettext.__module__}.{LiteralGettext.__name__}"
    assert name in plain.extensions
    del plain.extensions[name]
    return fast, plain


def _contexts(language: str):
    @pass_context
    def with_context(context, message, **variables):
        return f"[{context.get('who')}:{message}{variables}]"

    yield page_translations(None)  # a page's
    with translation.override("fr" if language == "en" else "en"):
        other = page_translations(None)
    yield other  # a page's language, not the active one
    yield {}  # no request: the environment's `_`
    yield {"_": lambda message, **kw: f"<{message}{kw}>", "gettext": str.upper}  # a view's own
    yield {"_": with_context, "who": "me"}  # one that takes the context


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("source", SOURCES)
def test_a_literal_is_translated_as_the_call_translated_it(envs, source, language):
    fast, plain = envs
    with translation.override(language):
        for context in _contexts(language):
            expected = plain.from_string(source).render(context)
            assert fast.from_string(source).render(context) == expected, (source, context)


def test_the_literal_is_a_filter_call_and_the_rest_calls(envs):
    fast, plain = envs
    code = fast.compile('{{ _("Send") }}{{ _("n=%(n)s", n=1) }}{{ y._("z") }}', raw=True)
    assert "t_1(context, 'Send')" in code
    assert code.count("context.call(") == 2  # the call with a variable, the attribute's
    assert "t_1(" not in plain.compile('{{ _("Send") }}', raw=True)


def test_french_pages_get_french_words(envs):
    fast, _plain = envs
    with translation.override("fr"):
        words = fast.from_string('{{ _("Send") }}|{{ gettext("Close") }}').render(
            page_translations(None)
        )
    with translation.override("en"):
        english = fast.from_string('{{ _("Send") }}|{{ gettext("Close") }}').render({})
    assert english == "Send|Close"
    assert words != english and "Envoyer" in words
