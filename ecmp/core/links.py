"""Links that leave the site (in emails): absolute, on the address it is served on."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    return f"{settings.ECMP_BASE_URL}{path}"
