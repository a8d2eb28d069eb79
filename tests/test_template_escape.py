"""The pages' autoescape (ecmp/core/template_escape.py) writes what markupsafe's does."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from jinja2 import ChainableUndefined, Environment
from markupsafe import Markup
from markupsafe import escape as markupsafe_escape

from ecmp.core import template_escape
from ecmp.core.template_escape import escape


class _Str(str):
    pass


class _Int(int):
    def __str__(self) -> str:
        return "<b>"


class _Html:
    def __html__(self) -> str:
        return "<i>kept</i>"


VALUES = [
    "",
    "plain",
    "<script>alert('x') & \"y\"</script>",
    "Société Générale — ça & là",
    "\x00 nul",
    0,
    -12,
    10**30,
    True,
    False,
    None,
    1.5,
    Markup("<em>trusted</em>"),
    Markup("a &amp; b"),
    mark_safe("<b>django safe</b>"),
    _Str("<sub & class>"),
    _Int(3),
    _Html(),
    lazy(lambda: "<lazy & text>", str)(),
    ChainableUndefined(name="missing"),
    ["<list>"],
]


def test_escape_writes_what_markupsafe_writes() -> None:
    for value in VALUES:
        ours, theirs = escape(value), markupsafe_escape(value)
        assert type(ours) is Markup, value
        assert ours == theirs, value


def test_plain_text_is_escaped() -> None:
    assert escape("<a href='x'>&") == "&lt;a href=&#39;x&#39;&gt;&amp;"
    assert escape(_Str("<")) == "&lt;"


def test_installed_templates_write_the_same_page() -> None:
    source = "{% for v in values %}[{{ v }}]{% endfor %}"
    before = template_escape.jinja2.runtime.escape
    try:
        # markupsafe's own escape for the reference (the pages' engine, once built in
        # this process, has already installed ours).
        template_escape.jinja2.runtime.escape = markupsafe_escape
        expected = Environment(autoescape=True).from_string(source).render(values=VALUES)
        assert (
            Environment(autoescape=True).from_string(source).root_render_func.__globals__["escape"]
            is markupsafe_escape
        )
        template_escape.install()
        template = Environment(autoescape=True).from_string(source)
        assert template.root_render_func.__globals__["escape"] is escape
        written = template.render(values=VALUES)
    finally:
        template_escape.jinja2.runtime.escape = before
    assert written == expected
    assert "&lt;script&gt;" in written
