"""Reads of mail for the desk."""

from __future__ import annotations

from django.db.models import QuerySet

from ecmp.mail.models import InboundEmail


def sender_checks_for_ticket(ticket_id: int) -> QuerySet[InboundEmail]:
    """The ticket's messages that came by mail with the verdict on their sender: the
    reply each became (`reply_id`), or the ticket's opening text (no reply)."""
    return (
        InboundEmail.objects.filter(ticket_id=ticket_id)
        .exclude(verification="")
        .filter(outcome__in=["reply", "ticket_created", "released", "attached"])
        .only("pk", "reply_id", "outcome", "verification", "evidence", "raw_purged_at")
    )
