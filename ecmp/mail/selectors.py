"""Reads of mail for the desk."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ecmp.mail.models import InboundDecision, InboundEmail

# The outcome of a message that opened its ticket (its text is the ticket's).
OPENED = "ticket_created"


def sender_checks_for_ticket(ticket_id: int) -> QuerySet[InboundEmail]:
    """The ticket's messages that came by mail with the verdict on their sender: the
    reply each became (`reply_id`), or the ticket's opening text (no reply)."""
    return (
        InboundEmail.objects.filter(ticket_id=ticket_id)
        .exclude(verification="")
        .filter(
            Q(reply__isnull=False)
            | Q(outcome__in=[OPENED, InboundDecision.Action.RELEASED], reply__isnull=True)
        )
        .only("pk", "reply_id", "outcome", "verification", "evidence", "raw_purged_at")
    )
