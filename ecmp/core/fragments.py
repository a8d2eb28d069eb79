"""A page's htmx fragment: one block of a page template, rendered alone.

An htmx request that swaps one part of a page (the list under a search box, a
panel) gets that block only, from the same template as the page, so the page and
its fragment cannot drift apart (jinja2-fragments; docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from jinja2_fragments import render_block


def render_page(
    request: HttpRequest, template_name: str, context: dict[str, Any], *, block: str | None = None
) -> HttpResponse:
    """The page, or only its `block` when one is named."""
    if block is None:
        return render(request, template_name, context)
    backend = engines["jinja2"]
    assert isinstance(backend, Jinja2)
    # The context Django's Jinja2 backend gives a whole page.
    full = {
        **context,
        "request": request,
        "csrf_input": csrf_input_lazy(request),
        "csrf_token": csrf_token_lazy(request),
    }
    for processor in backend.template_context_processors:
        full.update(processor(request))
    return HttpResponse(render_block(backend.env, template_name, block, **full))
