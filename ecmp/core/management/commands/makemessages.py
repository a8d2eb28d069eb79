"""`makemessages` that also reads the Jinja2 page templates (jinja2/).

Django's command reads templates as its own template language. For a Jinja2
template, the messages are read by Jinja2 itself (`jinja2.ext.extract_from_ast`, as
`Environment.extract_translations` reads them: `_()`, `gettext`, `ngettext`,
`pgettext` and `{% trans %}` blocks) and written as the Python calls xgettext knows,
each on its template line."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.management.commands import makemessages
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from jinja2 import Environment
from jinja2.ext import InternationalizationExtension, extract_from_ast

_CALLS = {"gettext": "gettext", "_": "gettext", "ngettext": "ngettext"}
_CALLS |= {"pgettext": "pgettext", "npgettext": "npgettext"}


@cache
def _reader() -> Environment:
    """The pages' environment with its i18n extension alone: the others rewrite a
    template's tokens as it is compiled, for speed (config/jinja_literal_gettext.py
    makes `_("…")` a filter call), and the messages must be read as written."""
    backend = engines["jinja2"]
    assert isinstance(backend, Jinja2)
    reader = backend.env.overlay()
    reader.extensions = {
        name: extension
        for name, extension in reader.extensions.items()
        if isinstance(extension, InternationalizationExtension)
    }
    return reader


def jinja2_as_python(source: str) -> str:
    lines = [""] * (source.count("\n") + 1)
    for line, function, message in extract_from_ast(_reader().parse(source)):
        given = message if isinstance(message, tuple) else (message,)
        args: tuple[object, ...] = tuple(a for a in given if a)
        if function.startswith("n"):
            args += (1,)  # the count: xgettext needs an argument there, not its value
        shown = ", ".join(repr(a) for a in args)
        lines[line - 1] += f"{_CALLS.get(function, 'gettext')}({shown}); "
    return "\n".join(lines)


class BuildFile(makemessages.BuildFile):
    def preprocess(self) -> None:
        if Path(self.path).resolve().is_relative_to(settings.BASE_DIR / "jinja2"):
            source = Path(self.path).read_text(encoding="utf-8")
            Path(self.work_path).write_text(jinja2_as_python(source), encoding="utf-8")
            return
        super().preprocess()


class Command(makemessages.Command):
    build_file_class = BuildFile
