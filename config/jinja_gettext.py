"""The pages' translations: Jinja2's new-style gettext, without its cost.

Jinja2's i18n extension wraps Django's gettext in a function that takes the template
context and calls through it, then formats; with Django's own lookup of the active
language (a context-local read, 3 µs here) a `{{ _("…") }}` cost 16 µs, and a desk
queue page makes about 85 of them. The templates translate literal msgids only (the
catalog's, never a person's text), so each (language, msgid) is translated once per
process and kept, in a bounded cache; the language is read once per page by the
context processor `page_translations`, whose functions shadow the environment's
globals (which read it at each call: templates rendered without a request, and the
macros of `{% import %}`ed files, which see no page context).

The formatting is Jinja2's new-style one, unchanged: `Markup(translated) % variables`
(variables escaped; even without variables, `%%` is written `%`), and `ngettext`
offers its number as `num`.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from markupsafe import Markup

_SIZE = 8192  # msgids in the templates: about 1,000; numbers make more for ngettext


def _catalog(translated: str) -> Markup:
    # What Jinja2's new-style gettext does under autoescaping: the catalog's text is
    # markup (translators may write entities); the variables formatted into it are not.
    return Markup(translated)  # noqa: S704 - the project's own catalog, as Jinja2 trusts it


@lru_cache(maxsize=_SIZE)
def _translated(language: str | None, message: str) -> Markup:
    with translation.override(language):
        return _catalog(translation.gettext(message))


@lru_cache(maxsize=_SIZE)
def _formatted(language: str | None, message: str) -> Markup:
    return _translated(language, message) % {}


@lru_cache(maxsize=_SIZE)
def _translated_plural(language: str | None, singular: str, plural: str, number: Any) -> Markup:
    with translation.override(language):
        return _catalog(translation.ngettext(singular, plural, number))


@lru_cache(maxsize=_SIZE)
def _translated_in_context(language: str | None, context: str, message: str) -> Markup:
    with translation.override(language):
        return _catalog(translation.pgettext(context, message))


@lru_cache(maxsize=_SIZE)
def _translated_plural_in_context(
    language: str | None, context: str, singular: str, plural: str, number: Any
) -> Markup:
    with translation.override(language):
        return _catalog(translation.npgettext(context, singular, plural, number))


def gettext_in(language: str | None, message: str, /, **variables: Any) -> Markup:
    if variables:
        return _translated(language, message) % variables
    return _formatted(language, message)


def ngettext_in(
    language: str | None, singular: str, plural: str, number: Any, /, **variables: Any
) -> Markup:
    variables.setdefault("num", number)
    return _translated_plural(language, singular, plural, number) % variables


def pgettext_in(language: str | None, context: str, message: str, /, **variables: Any) -> Markup:
    return _translated_in_context(language, context, message) % variables


def npgettext_in(
    language: str | None,
    context: str,
    singular: str,
    plural: str,
    number: Any,
    /,
    **variables: Any,
) -> Markup:
    variables.setdefault("num", number)
    return _translated_plural_in_context(language, context, singular, plural, number) % variables


def _in_active_language(function: Any) -> Any:
    def translate(*args: Any, **variables: Any) -> Markup:
        return function(translation.get_language(), *args, **variables)

    return translate


# The environment's globals: the active language read at each call.
GETTEXT_GLOBALS = {
    "gettext": _in_active_language(gettext_in),
    "ngettext": _in_active_language(ngettext_in),
    "pgettext": _in_active_language(pgettext_in),
    "npgettext": _in_active_language(npgettext_in),
}
GETTEXT_GLOBALS["_"] = GETTEXT_GLOBALS["gettext"]


def page_translations(request: HttpRequest) -> dict[str, Any]:
    """Context processor (pages): the same functions, the page's language read once."""
    language = translation.get_language()
    gettext = partial(gettext_in, language)
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": partial(ngettext_in, language),
        "pgettext": partial(pgettext_in, language),
        "npgettext": partial(npgettext_in, language),
    }
