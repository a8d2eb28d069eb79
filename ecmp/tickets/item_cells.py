"""The desk home's short lists of tickets (desk/home.html), computed once per item as
plain values (config/jinja.py makes `ticket_item_cells` a global).

Per item, the SLA badge's words, the priority badge's and the link's reads of the
active language, script prefix and urlconf cost the home about 0.4 ms for its twenty
items when each item read them: here the words are kept per language and process
(`sla_words`), and what `link` reads is read once per list. The SLA's cells are the
badge's rule (`sla_cells`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from ecmp.core.presentation import link_in, short
from ecmp.tickets.presentation import priority_badge, sla_cells, sla_words

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


def ticket_item_cells(items: Iterable[Any], now: datetime) -> list[ItemCells]:
    """Each item (number, subject, priority and the SLA's columns) as the list shows it."""
    words = sla_words(get_language())
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
                *sla_cells(item.waiting_since, item.sla_due_at, item.first_response_at, now, words),
            )
        )
    return cells
