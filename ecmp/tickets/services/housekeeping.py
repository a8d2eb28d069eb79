"""Periodic work on many tickets: archiving and SLA breaches. Safe to run twice at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ecmp.tickets.events import event_record
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.status import UNRESOLVED, Status

BATCH = 200


def tickets_archive_closed(
    *, older_than_days: int | None = None, now: datetime | None = None
) -> int:
    """Archive tickets closed for more than N days; returns how many this run archived."""
    days = settings.ECMP_ARCHIVE_AFTER_DAYS if older_than_days is None else older_than_days
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    archived = 0
    while True:
        with transaction.atomic():
            # SKIP LOCKED: a second archiver at the same moment takes other rows.
            batch = list(
                Ticket.objects.select_for_update(skip_locked=True)
                .filter(status=Status.CLOSED, archived_at__isnull=True, closed_at__lt=cutoff)
                .order_by("closed_at")[:BATCH]
            )
            for ticket in batch:
                # The conditional update makes a ticket archived once, even on SQLite.
                if Ticket.objects.filter(pk=ticket.pk, archived_at__isnull=True).update(
                    archived_at=now, sla_due_at=None, version=F("version") + 1
                ):
                    event_record(ticket=ticket, actor=None, kind=EventKind.ARCHIVED)
                    archived += 1
        if len(batch) < BATCH:
            return archived


def tickets_check_sla(*, now: datetime | None = None) -> int:
    """Announce each missed deadline once: an internal event that notifies the agents."""
    now = now or timezone.now()
    breached = 0
    with transaction.atomic():
        due = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(archived_at__isnull=True, status__in=UNRESOLVED, sla_due_at__lt=now)
            # Waiting for the customer: the clock stands still (services/waiting.py).
            .filter(waiting_since__isnull=True)
            .filter(
                Q(sla_breach_notified_for__isnull=True)
                | ~Q(sla_breach_notified_for=F("sla_due_at"))
            )
            .order_by("sla_due_at")[:BATCH]
        )
        for ticket in due:
            if (
                Ticket.objects.filter(pk=ticket.pk, sla_due_at=ticket.sla_due_at)
                .exclude(sla_breach_notified_for=ticket.sla_due_at)
                .update(sla_breach_notified_for=ticket.sla_due_at)
            ):
                what = "first_response" if ticket.first_response_at is None else "resolution"
                event_record(
                    ticket=ticket,
                    actor=None,
                    kind=EventKind.SLA_BREACH,
                    to_value=what,
                    internal=True,
                )
                breached += 1
    return breached
