"""The desk home's short lists of tickets (desk/home.html), computed once per item as
plain values (config/jinja.py makes `ticket_item_cells` a global).

Per item, `sla_values`' three or four translations through Django's gettext, the
priority badge's and the link's reads of the active language, script prefix and
urlconf cost the home about 0.4 ms for its twenty items: here the words are
translated once per language and process (the queue's own words, `_queue_words`),
and what `link` reads is read once per list. The SLA's words follow `sla_values`'
rule, tested against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from ecmp.core.presentation import link_in, short
from ecmp.tickets.presentation import _queue_duration, _queue_words, priority_badge

SUBJECT_SHOWN = 50  # characters, as `truncatechars(50)`


class ItemCells(NamedTuple):
    number: int
    url: str
    subject: str
    priority_style: str
    priority: str
    sla_due: bool
    sla_style: str | None
    sla_what: str | None
    sla_text: str | None


@lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, str]:
    # Safe: the catalog's translations of fixed msgids, in the active language, which
    # is the key (the caller reads it); nothing of a ticket or a person.
    del language
    return _queue_words()


def _sla(item: Any, now: datetime, words: dict[str, str]) -> tuple[bool, Any, Any, Any]:
    # `sla_values(item, now)`'s due, style, what and text.
    if item.waiting_since is not None:  # the clock stands still
        return True, "text-bg-info", words["paused"], words["waiting"]
    if item.sla_due_at is None:
        return False, None, None, None
    left = (item.sla_due_at - now).total_seconds()
    what = words["first"] if item.first_response_at is None else words["resolution"]
    time = {"time": _queue_duration(left, words)}
    if left < 0:
        return True, "text-bg-danger", what, words["overdue"] % time
    style = "text-bg-warning" if left < 3600 else "text-bg-light border"
    return True, style, what, words["left"] % time


def ticket_item_cells(items: Iterable[Any], now: datetime) -> list[ItemCells]:
    """Each item (number, subject, priority and the SLA's columns) as the list shows it."""
    words = _words(get_language())
    prefix, urlconf = get_script_prefix(), get_urlconf()
    badges: dict[int, dict] = {}
    cells = []
    for item in items:
        priority = badges.get(item.priority)
        if priority is None:
            priority = badges[item.priority] = priority_badge(item.priority)
        cells.append(
            ItemCells(
                item.number,
                link_in("desk:ticket-detail", (item.number,), prefix, urlconf),
                short(item.subject, SUBJECT_SHOWN),
                priority["style"],
                priority["label"],
                *_sla(item, now, words),
            )
        )
    return cells
