"""`{{ _("literal") }}` without Jinja2's call machinery: the same text, a third the cost.

A call in a template goes through `Context.call` (it looks on the callable for
`pass_context` and its kin, twice, and pops keyword arguments): about 1.7 µs for a
`_("…")` here, of which the translation itself (config/jinja_gettext.py, memoized per
language and msgid) is a fraction; a desk ticket page writes some 45 of them. A filter
is called directly. So, as each template is compiled, this extension rewrites the
tokens `_ ( "literal" )` (and `gettext ( "literal" )`: a single string, no variables,
not an attribute's `._(`) into `( "literal" | _literal_gettext )`, whose filter finds
the `_` the call would have called and translates with it:

- the page's own (`page_translations`: the page's language, read once per page) is
  recognised and its memoized text taken directly;
- any other `_` (the environment's, for templates rendered without a request and the
  macros of imported templates) is called, exactly as the template's call did.

The templates' source is unchanged: `makemessages` reads the same msgids.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_DOT,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_PIPE,
    TOKEN_RPAREN,
    TOKEN_STRING,
    Token,
    TokenStream,
)
from jinja2.runtime import Context

from config.jinja_gettext import gettext_in

FILTER = "_literal_gettext"
_NAMES = frozenset({"_", "gettext"})


def _filter_for(name: str) -> Any:
    @pass_context
    def translate(context: Context, message: str) -> Any:
        function = context.resolve_or_missing(name)
        # The page's `_`: partial(gettext_in, language) (config/jinja_gettext.py).
        if (
            type(function) is partial
            and function.func is gettext_in
            and len(function.args) == 1
            and not function.keywords
        ):
            (language,) = function.args
            return gettext_in(language, message)
        return context.call(function, message)  # anything else: the call as written

    return translate


def filter_name(name: str) -> str:
    return FILTER if name == "_" else f"{FILTER}_{name}"


FILTERS = {filter_name(name): _filter_for(name) for name in _NAMES}


def rewritten(tokens: Iterable[Token]) -> Iterator[Token]:
    """The tokens, each `_("literal")` / `gettext("literal")` call as its filter."""
    buffered = list(tokens)
    previous: Token | None = None
    i = 0
    while i < len(buffered):
        token = buffered[i]
        call = buffered[i : i + 4]
        if (
            token.type == TOKEN_NAME
            and token.value in _NAMES
            and (previous is None or previous.type != TOKEN_DOT)
            and [t.type for t in call] == [TOKEN_NAME, TOKEN_LPAREN, TOKEN_STRING, TOKEN_RPAREN]
        ):
            line = token.lineno
            yield Token(line, TOKEN_LPAREN, "(")
            yield call[2]
            yield Token(line, TOKEN_PIPE, "|")
            yield Token(line, TOKEN_NAME, filter_name(token.value))
            yield call[3]
            previous = call[3]
            i += 4
            continue
        yield token
        previous = token
        i += 1


class LiteralGettext(Extension):
    """Installed by config/jinja.py's environment, with the filters of FILTERS."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        return rewritten(stream)
