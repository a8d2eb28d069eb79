"""Requests per token and minute, counted in Django's cache (shared by every process
when the cache is Redis; per process with the local-memory default)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from ecmp.api.problems import RateLimited

WINDOW = 60


def rate_check(
    token_id: int, *, now: float | None = None, limit: int | None = None, bucket: str = ""
) -> None:
    """Count one request; RateLimited (with the seconds to wait) past the setting.

    A fixed window per minute: one `add` and one `incr`, atomic on Redis and in memory.
    `bucket` and `limit`: a budget of its own (monitoring alerts, api/alerts.py, whose
    storms must be counted, not refused, and must not use up the token's other calls)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"ecmp-api-rate{':' + bucket if bucket else ''}:{token_id}:{window}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens the window
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    if count > (settings.ECMP_API_RATE_PER_MINUTE if limit is None else limit):
        raise RateLimited(retry_after=max(1, (window + 1) * WINDOW - int(now)))
