"""The audit log as CSV rows, for an admin's spreadsheet or an auditor.

Exporting is a read: it is not itself recorded in the log (the request is in
the web server's access log like any page).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ecmp.accounts.models import AuditEvent

HEADER = [
    "at",
    "kind",
    "event",
    "by",
    "address",
    "object_type",
    "object_id",
    "object",
    "changes",
    "detail",
]

# A spreadsheet runs a cell that starts with one of these as a formula (or DDE
# command); the log holds text that outsiders chose (a sender's address, a name).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def changes_text(changes: dict[str, Any]) -> str:
    """{"role": ["customer", "agent"]} as "role: customer → agent"."""
    parts = []
    for field, values in changes.items():
        before, after = values if isinstance(values, list) and len(values) == 2 else (None, values)
        parts.append(f"{field}: {_plain(before)} → {_plain(after)}")
    return "; ".join(parts)


def _plain(value: Any) -> str:
    return "—" if value is None else str(value)


def audit_csv_rows(events: QuerySet[AuditEvent], chunk_size: int = 2000) -> Iterator[list[str]]:
    """The header, then one row per event, read in chunks so a long log streams."""
    yield HEADER
    rows: Iterable[AuditEvent] = events.iterator(chunk_size=chunk_size)
    for event in rows:
        yield [
            csv_cell(value)
            for value in (
                timezone.localtime(event.at).isoformat(timespec="seconds"),
                event.kind,
                event.get_kind_display(),
                event.actor_label,
                event.address,
                event.target_type,
                event.target_id,
                event.target_label,
                changes_text(event.changes),
                event.detail,
            )
        ]
