"""The desk ticket page's verdicts on who mailed each message, as plain rows.

`selectors.sender_checks_for_ticket` says which messages (the one rule); this reads
them with a statement compiled once per process (`core/prepared.py`): through the
ORM, building the read and a model per row cost the page about 0.5 ms a view."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import connections
from django.db.models import QuerySet

from ecmp.core.choices import choice_label
from ecmp.core.prepared import prepared
from ecmp.mail.models import InboundEmail, Verification
from ecmp.mail.selectors import sender_checks_for_ticket

_FIELDS = ("pk", "reply_id", "verification", "evidence", "raw_purged_at")


class SenderMark(NamedTuple):
    """What desk/_sender_mark.html shows of a received message."""

    pk: int
    verification: str
    evidence: Any
    # Whether the raw bytes are gone (then no link to the original message).
    raw_purged: bool

    def get_verification_display(self) -> str:
        """The verdict's words, in the request's language (as the model's method)."""
        return choice_label(Verification, self.verification)


def _checks(ticket_id: int) -> QuerySet[Any, Any]:
    # In the selector's order (the model's): the same row wins a repeated key.
    return sender_checks_for_ticket(ticket_id).values_list(*_FIELDS)


_READ = prepared(_checks, arity=1)
_EVIDENCE = InboundEmail._meta.get_field("evidence")


def sender_marks_for_ticket(ticket_id: int, using: str = "default") -> dict[int, SenderMark]:
    """Who sent each of the ticket's messages that came by mail, as proven: by the
    reply each became (0: the ticket's opening text)."""
    connection = connections[using]
    return {
        reply_id or 0: SenderMark(
            pk,
            verification,
            _EVIDENCE.from_db_value(evidence, None, connection),  # type: ignore[arg-type]
            raw_purged_at is not None,
        )
        for pk, reply_id, verification, evidence, raw_purged_at in _READ.rows(
            ticket_id, using=using
        )
    }
