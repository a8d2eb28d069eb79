"""A category as a ticket's history recorded it, in the reader's language.

CATEGORY events keep the categories' English names, their stable names (a thread
written before a rename still says what it was then); a French reader gets the
category's French name when a category still has that English name. The names are
few: read in one query and kept per process for a minute, and again at once when a
category is saved or deleted here.
"""

from __future__ import annotations

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language

from ecmp.tickets.models import Category

# How long a process keeps the names it read (another process's rename shows after).
KEEP_SECONDS = 60.0

_cache: dict[str, object] = {}


def _french_names() -> dict[str, str]:
    read_at = _cache.get("at")
    if not isinstance(read_at, float) or time.monotonic() - read_at > KEEP_SECONDS:
        _cache["names"] = {
            name_en: name_fr
            for name_en, name_fr in Category.objects.values_list("name_en", "name_fr")
            if name_fr
        }
        _cache["at"] = time.monotonic()
    names = _cache["names"]
    assert isinstance(names, dict)
    return names


def category_name(name_en: str) -> str:
    """`name_en` as recorded, or its category's French name for a French reader."""
    if not name_en or not (get_language() or "en").startswith("fr"):
        return name_en
    return _french_names().get(name_en, name_en)


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def _forget(**kwargs: object) -> None:
    _cache.clear()
