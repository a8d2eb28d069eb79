"""Categories as selects' (id, label) choices, in one statement compiled once per
process (`core/prepared.py`): the desk ticket page and the queue offer them on every
view, and reading them as models through the ORM cost each about 0.5 ms."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language

from ecmp.core.prepared import prepared
from ecmp.tickets.category_selectors import categories_active, categories_ordered
from ecmp.tickets.models import category_label


def _active() -> QuerySet[Any, Any]:
    return categories_active().values_list("pk", "name_en", "name_fr")


def _all() -> QuerySet[Any, Any]:
    return categories_ordered().values_list("pk", "name_en", "name_fr", "active")


_READ = prepared(_active, arity=0)
_READ_ALL = prepared(_all, arity=0)


def active_category_choices(language: str | None = None) -> list[tuple[int, str]]:
    """(id, name in `language`, the active one when None), in `categories_active`'s order."""
    language = language or get_language()
    return [
        (pk, category_label(name_en, name_fr, language)) for pk, name_en, name_fr in _READ.rows()
    ]


def category_choices_in_order(language: str | None = None) -> list[tuple[int, str, bool]]:
    """(id, name in `language`, active) of every category, in `categories_in_order`'s
    order: active ones first."""
    language = language or get_language()
    return [
        (pk, category_label(name_en, name_fr, language), bool(active))
        for pk, name_en, name_fr, active in _READ_ALL.rows()
    ]
