"""What the support manager's reports read, for the benchmark data set (seed_bench).

Each ticket's channel, category, first response, SLA deadlines and closing time,
derived from its id by a multiplicative hash rather than drawn from seed_bench's
random generator: the other columns (and the search benchmark's vocabulary) stay
exactly as they were, and the figures are the same at every run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ecmp.tickets.models import Category
from ecmp.tickets.status import Channel, Status

# How tickets come in on a help desk of an IT-services firm, per hundred.
CHANNELS = (
    [Channel.WEB] * 40
    + [Channel.EMAIL] * 35
    + [Channel.PHONE] * 15
    + [Channel.ON_SITE] * 5
    + [Channel.CHAT] * 5
)
CATEGORIES = [
    ("Hardware", "Matériel"),
    ("Software", "Logiciel"),
    ("Network", "Réseau"),
    ("Accounts", "Comptes"),
]


def _spread(pk: int, salt: int) -> int:
    """A number in 0..9999 that looks random but depends only on the id."""
    x = ((pk + salt * 0x9E3779B9) * 0x85EBCA6B) & 0xFFFFFFFF  # murmur3's finaliser
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    x ^= x >> 16
    return x % 10_000


class ReportColumns:
    """report_columns(pk, created, status): the ticket row's columns the reports read."""

    def __init__(self, now: datetime, when: Callable[[datetime], Any]) -> None:
        self.now, self.when = now, when
        self.categories: list[int | None] = [
            Category.objects.get_or_create(name_en=en, defaults={"name_fr": fr, "position": n})[
                0
            ].pk
            for n, (en, fr) in enumerate(CATEGORIES)
        ]
        self.categories.append(None)  # a fifth of the tickets without a category

    def __call__(self, pk: int, created: datetime, status: str) -> dict[str, Any]:
        answered = created + timedelta(minutes=2 + _spread(pk, 1) ** 2 // 200_000)  # ≤ 8 h 20
        closed = answered + timedelta(minutes=30 + _spread(pk, 2) * _spread(pk, 3) // 14_000)
        return {
            "channel": CHANNELS[_spread(pk, 4) % 100],
            "category_id": self.categories[_spread(pk, 5) % len(self.categories)],
            "first_response_at": None
            if status == Status.NEW
            else self.when(min(answered, self.now)),
            "first_response_due_at": self.when(created + timedelta(hours=4)),
            "resolution_due_at": self.when(created + timedelta(days=3)),
            "closed_at": self.when(min(closed, self.now)) if status == Status.CLOSED else None,
        }
