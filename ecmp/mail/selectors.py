"""Reads of mail: for the desk, and for the worker's sweeps."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from ecmp.accounts.models import User
from ecmp.core.access import is_admin
from ecmp.mail.inbound.route import VERIFICATION_HOLDS
from ecmp.mail.models import InboundDecision, InboundEmail, OutboundEmail

# The outcome of a message that opened its ticket (its text is the ticket's).
OPENED = "ticket_created"

# The desk's lists of received mail (`?show=`); anything else shows the held mail.
INBOX_VIEWS: dict[str, list[str] | None] = {
    "held": [InboundEmail.Status.HELD],
    "failed": [InboundEmail.Status.FAILED],
    "all": None,
}

OUTBOX_STATUSES = OutboundEmail.Status.choices


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


def inbound_list_for_staff(show: str) -> QuerySet[InboundEmail]:
    """Received mail, newest first, without the raw bytes (`show`: see INBOX_VIEWS)."""
    rows = InboundEmail.objects.select_related("ticket").defer("raw", "ticket__search_document")
    statuses = INBOX_VIEWS.get(show, INBOX_VIEWS["held"])
    if statuses:
        rows = rows.filter(status__in=statuses)
    return rows.order_by("-received_at", "-id")


def inbound_get_for_staff(pk: int) -> InboundEmail:
    """One received message, or 404."""
    return get_object_or_404(InboundEmail, pk=pk)


def inbound_original_for_staff(pk: int) -> InboundEmail:
    """One received message whose raw bytes are still kept, or 404."""
    return get_object_or_404(InboundEmail.objects.filter(raw_purged_at__isnull=True), pk=pk)


def inbound_decisions(row: InboundEmail) -> QuerySet[InboundDecision]:
    return row.decisions.select_related("actor").order_by("created_at")


def outbox_list_for_admin(status: str) -> QuerySet[OutboundEmail]:
    """The outbox (in the model's order), without the bodies; `status` filters when it
    is one of the outbox's statuses."""
    rows = OutboundEmail.objects.select_related("ticket").defer(
        "text", "html", "ticket__search_document"
    )
    if status in OutboundEmail.Status.values:
        rows = rows.filter(status=status)
    return rows


def may_release(row: InboundEmail, by: User) -> bool:
    """A message held for want of proof of its sender (or for a DMARC failure): an
    admin may release it, an agent mail in their own name or in a customer's; never
    in another agent's."""
    if row.status != InboundEmail.Status.HELD or row.reason not in VERIFICATION_HOLDS:
        return False
    if is_admin(by) or row.sender == by.email:
        return True
    named = User.objects.filter(email=row.sender).only("role").first()
    return named is not None and not named.is_support_staff


# Rows a sweep takes up at a time.
SWEEP_BATCH = 200


def outbox_due_ids(*, now: datetime) -> list[int]:
    """Queued emails whose time has come (retries, and first sendings that were
    lost), the longest waiting first."""
    return list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def inbound_waiting_ids(*, stored_before: datetime) -> list[int]:
    """Messages stored before this time and still not processed (a lost task, a
    worker killed), the oldest first."""
    return list(
        InboundEmail.objects.filter(
            status=InboundEmail.Status.RECEIVED, received_at__lt=stored_before
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
