"""The desk home's short lists of tickets (desk/_ticket_items.html), computed once per
item as plain values (config/jinja.py makes `ticket_item_cells` a global): per item,
the template's filter, two macros and the SLA badge cost the home about 0.5 ms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from ecmp.core.presentation import link, short
from ecmp.tickets.presentation import priority_badge, sla_values

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
    cells = []
    for item in items:
        priority = priority_badge(item.priority)
        sla = sla_values(item, now)
        cells.append(
            ItemCells(
                number=item.number,
                url=link("desk:ticket-detail", item.number),
                subject=short(item.subject, SUBJECT_SHOWN),
                priority_style=priority["style"],
                priority=priority["label"],
                sla_due=sla["due"],
                sla_style=sla.get("style"),
                sla_what=sla.get("what"),
                sla_text=sla.get("text"),
            )
        )
    return cells
