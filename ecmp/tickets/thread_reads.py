"""A ticket page's thread and its files in two statements, not three.

`ticket_thread_for_staff` / `_for_customer` read each message's files with a
prefetch, and the page read the files given at the opening apart: two statements on
the same table. Here every file of the ticket the reader may see is read once and
handed out: to each message as `files` (what the prefetch sets), the rest (no
message) as the opening's files.
"""

from __future__ import annotations

from collections import defaultdict

from ecmp.tickets.customer_files import customer_files
from ecmp.tickets.models import Attachment, Ticket, TicketEvent
from ecmp.tickets.selectors import ticket_thread_for_customer, ticket_thread_for_staff


def thread_with_files(ticket: Ticket, *, staff: bool) -> tuple[list[TicketEvent], list[Attachment]]:
    """The thread as the staff (internal notes included) or the customer sees it, and
    the files given when the ticket was opened. A customer's read never holds the
    files of an internal note."""
    if staff:
        events = ticket_thread_for_staff(ticket)
        files = Attachment.objects.filter(ticket=ticket)
    else:
        events = ticket_thread_for_customer(ticket)
        files = customer_files(Attachment.objects.filter(ticket=ticket))
    thread = list(events.prefetch_related(None))  # the files come from the one read below
    by_message: defaultdict[int | None, list[Attachment]] = defaultdict(list)
    for attachment in files.order_by("id"):
        by_message[attachment.message_id].append(attachment)
    for event in thread:
        if event.message is not None:
            event.message.files = by_message.get(event.message.pk, [])  # type: ignore[attr-defined]  # as the prefetch's to_attr
    return thread, by_message.get(None, [])
