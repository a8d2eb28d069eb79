"""A choice's label ("Waiting for customer" for `wait`) as pages show it: the labels of
a set of choices translated once per process and language, not at each row."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Choices
from django.utils.translation import get_language


@lru_cache(maxsize=128)
def labels_in(choices: type[Choices], language: str | None) -> dict[Any, str]:
    """Each value of `choices` with its label in `language` (the active one when
    called: the key only tells the cache which language it was)."""
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type[Choices], value: Any) -> str:
    """`value`'s label among `choices` in the request's language; a value that is not
    among them (an old one, say) as itself, as Django's `get_FOO_display` writes it."""
    return labels_in(choices, get_language()).get(value, str(value))
