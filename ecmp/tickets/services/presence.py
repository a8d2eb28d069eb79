"""Presence on the desk ticket page: the writes.

An agent's open ticket page polls (`desk/presence_views.py`); each poll marks them
as seen on the ticket, typing or not, so that their colleagues see "Alice is
viewing" or "Alice is typing a reply" and two agents do not answer one customer at
once. Reads: `tickets/presence_selectors.py`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecmp.accounts.models import User
from ecmp.core.access import require_staff
from ecmp.tickets.models import Ticket, TicketPresence

# Rows older than this are nobody's presence any more, only clutter: the periodic
# job removes them (a row is "gone" long before: presence_selectors.PRESENCE_WINDOW).
PRESENCE_KEPT = timedelta(days=1)


def presence_touch(*, ticket: Ticket, by: User, typing: bool) -> None:
    """The agent `by` has `ticket` open now (and is writing in its composer, or not).

    One statement, INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL): two
    polls of the same agent at once cannot collide on the unique (ticket, user),
    and a statement is its own transaction. The ticket comes from a selector
    (`ticket_for_staff`), so the agent may see it."""
    require_staff(by)
    TicketPresence.objects.bulk_create(
        [TicketPresence(ticket=ticket, user=by, typing=typing, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["ticket", "user"],
        update_fields=["typing", "seen_at"],
    )


def presences_expire() -> int:
    """Remove rows nobody has refreshed for a day (the periodic job); how many."""
    deleted, _by_model = TicketPresence.objects.filter(
        seen_at__lt=timezone.now() - PRESENCE_KEPT
    ).delete()
    return deleted
