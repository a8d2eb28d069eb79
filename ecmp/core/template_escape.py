"""The pages' autoescape: markupsafe's `escape`, without its Python frames for the
values pages write most.

Every `{{ … }}` of an autoescaped Jinja2 template calls `jinja2.runtime.escape`
(markupsafe's): two Python calls (`escape`, then `Markup.__new__`) and two `hasattr`
per value, 0.4-0.5 µs; the desk queue writes about 1,250 values a page (its
organization filter alone 400), about 0.5 ms. Here a plain `str` is escaped by
markupsafe's own C function and wrapped without `Markup.__new__`, an `int` (digits
only: nothing to escape) is wrapped as is, and `Markup` (a translation, a value
already escaped) is given back unchanged, as markupsafe gives back an equal one:
0.1-0.2 µs. Any other value (a subclass of str or int, `bool`, an object with
`__html__`, an undefined) goes to markupsafe's `escape`, so the output is
markupsafe's, byte for byte (tests/test_template_escape.py).

`install()` makes compiled templates use it; call it before the environment loads
its first template (compiled code reads `escape` from jinja2.runtime when a template
is loaded).
"""

from __future__ import annotations

from typing import Any

import jinja2.runtime
from markupsafe import (
    Markup,
    _escape_inner,  # the C function when built (else its Python twin)
)
from markupsafe import escape as markupsafe_escape

_new = str.__new__


def escape(
    value: Any,
    _str: type = str,
    _int: type = int,
    _markup: type = Markup,
    _new: Any = _new,
    _inner: Any = _escape_inner,
    _escape: Any = markupsafe_escape,
) -> Markup:
    """markupsafe.escape(value), faster for exact `str`, `int` and `Markup`."""
    kind = type(value)
    if kind is _str:
        return _new(_markup, _inner(value))
    if kind is _markup:
        return value  # markupsafe gives an equal Markup
    if kind is _int:
        return _new(_markup, _str(value))
    return _escape(value)


def install() -> None:
    """Templates compiled after this call escape with `escape` above."""
    jinja2.runtime.escape = escape
