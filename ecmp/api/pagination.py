"""Cursor pagination in the database: the next page starts after the last row's key.

A ticket list is ordered by number, newest first; the cursor is that number, opaque
to clients. Reading page 1,000 costs what page 1 costs (no OFFSET), and rows written
meanwhile never shift a page."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from ecmp.tickets.models import Ticket

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def cursor_encode(number: int, kind: str = "n") -> str:
    return base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str, kind_expected: str = "n") -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = text.split(":", 1)
        number = int(value)
    except (ValueError, UnicodeDecodeError):
        number, kind = 0, ""
    if kind != kind_expected or not 0 < number < 2**63:
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


M = TypeVar("M", bound=Model)


def id_page(rows: QuerySet[M], *, cursor: str | None, limit: int) -> tuple[Sequence[M], str | None]:
    """One page of `rows` in the order they were created (by id), and the next cursor."""
    if cursor:
        rows = rows.filter(pk__gt=cursor_decode(cursor, "i"))
    found = list(rows.order_by("pk")[: limit + 1])
    if len(found) > limit:
        return found[:limit], cursor_encode(found[limit - 1].pk, "i")
    return found, None
