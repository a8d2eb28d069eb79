"""Cursor pagination in the database: the next page starts after the last row's key.

A ticket list is ordered by number, newest first; the cursor is that number, opaque
to clients. Reading page 1,000 costs what page 1 costs (no OFFSET), and rows written
meanwhile never shift a page."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecmp.tickets.models import Ticket

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
T = TypeVar("T")


def cursor_encode(number: int) -> str:
    return base64.urlsafe_b64encode(f"n:{number}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = text.split(":", 1)
        number = int(value)
    except (ValueError, UnicodeDecodeError):
        number, kind = 0, ""
    if kind != "n" or not 0 < number < 2**31:
        raise ValidationError(
            _("This cursor is not valid: use next_cursor as given."), code="cursor"
        )
    return number


def ticket_page(
    tickets: QuerySet[Ticket], *, cursor: str | None, limit: int
) -> tuple[Sequence[Ticket], str | None]:
    """One page of `tickets` (newest number first) and the cursor of the next, if any."""
    if cursor:
        tickets = tickets.filter(number__lt=cursor_decode(cursor))
    rows = list(tickets.order_by("-number")[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], cursor_encode(rows[limit - 1].number)
    return rows, None
