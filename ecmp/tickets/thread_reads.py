"""A ticket page's thread and all its files: two statements compiled once per process,
the second run only when the first says the ticket has a file (most have none).

The thread is `ticket_thread_for_staff`'s or `ticket_thread_for_customer`'s (the one
door to what each side sees: never an internal event for a customer) and the files
`customer_files`' for a customer (never an internal note's, nor a raw original).
Both are read as plain rows with only the columns an entry shows
(includes/thread.html, through `presentation.thread_entries`), compiled by the ORM once
per process (core/prepared.py): through the ORM, building the statements and a
model for each event, its author and its message cost a 50-message page about 2 ms.
Each message's files are handed to its entry; those of no message are the opening's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Exists, QuerySet

from ecmp.accounts.models import STAFF_ROLES
from ecmp.core.prepared import INTEGER, Prepared
from ecmp.core.prepared_rows import moment
from ecmp.tickets.customer_files import customer_files
from ecmp.tickets.models import Attachment, Ticket
from ecmp.tickets.selectors import ticket_thread_for_customer, ticket_thread_for_staff


class ThreadFile(NamedTuple):
    """A file as the thread lists it."""

    pk: int
    message_id: int | None
    original_name: str
    content_type: str
    size: int


class ThreadEvent(NamedTuple):
    """An event as the thread shows it: what happened, who did it, its message."""

    id: int
    kind: str
    from_value: str
    to_value: str
    internal: bool
    created_at: datetime
    actor_name: str | None  # None: no actor (the system, a lost author)
    actor_role: str | None
    message_id: int | None
    body: str | None  # the message's
    files: list[ThreadFile]  # the message's

    @property
    def by_support(self) -> bool:
        return self.actor_role in STAFF_ROLES


_EVENT_COLUMNS = (
    *("id", "kind", "from_value", "to_value", "internal", "created_at"),
    *("actor__full_name", "actor__role", "message_id", "message__body"),
)
_FILE_COLUMNS = ("id", "message_id", "original_name", "content_type", "size")


def _events(ticket_id: int, *, staff: bool) -> QuerySet[Any, Any]:
    ticket = Ticket(pk=ticket_id)
    events = ticket_thread_for_staff(ticket) if staff else ticket_thread_for_customer(ticket)
    # Last, on each row: whether the ticket has any file at all (a subquery naming no
    # row of the outer statement, which the database runs once): most tickets have
    # none, and their files' read is then skipped (each statement costs some 25 µs).
    any_file = Exists(Attachment.objects.filter(ticket_id=ticket_id))
    return events.prefetch_related(None).values_list(*_EVENT_COLUMNS, any_file)


def _files(ticket_id: int, *, staff: bool) -> QuerySet[Any, Any]:
    files = Attachment.objects.filter(ticket_id=ticket_id)
    if not staff:
        files = customer_files(files)
    return files.order_by("id").values_list(*_FILE_COLUMNS)


_READS = {
    staff: (
        Prepared(lambda ticket_id, staff=staff: _events(ticket_id, staff=staff), (INTEGER,)),
        Prepared(lambda ticket_id, staff=staff: _files(ticket_id, staff=staff), (INTEGER,)),
    )
    for staff in (False, True)
}


def thread_with_files(ticket: Ticket, *, staff: bool) -> tuple[list[ThreadEvent], list[ThreadFile]]:
    """The thread as the staff (internal notes included) or the customer sees it,
    oldest first, each message with its files, and the files given when the ticket
    was opened. A customer's read never holds an internal note nor its files."""
    events, files = _READS[staff]
    rows = events.rows(ticket.pk)
    by_message: defaultdict[int | None, list[ThreadFile]] = defaultdict(list)
    if not rows or rows[0][-1]:  # files, or no event to say there are none
        for row in files.rows(ticket.pk):
            file = ThreadFile(*row)
            by_message[file.message_id].append(file)
    # The rows as the driver gives them: the two columns whose value the ORM would
    # convert are converted here as it converts them (a flag 0/1 on SQLite, an instant
    # by `moment`), the text columns are taken as they come.
    # Each event built as its tuple (ThreadEvent's own __new__ is a Python function
    # taking eleven arguments: some 20 µs for a 50-message thread).
    make, files_of = tuple.__new__, by_message.get
    thread = [
        make(
            ThreadEvent,
            (
                pk,
                kind,
                from_value,
                to_value,
                bool(internal),
                moment(created_at),  # never None: the column is never null
                actor_name,
                actor_role,
                message,
                body,
                [] if message is None else files_of(message, []),
            ),
        )
        for (
            pk,
            kind,
            from_value,
            to_value,
            internal,
            created_at,
            actor_name,
            actor_role,
            message,
            body,
            _any_file,
        ) in rows
    ]
    return thread, by_message.get(None, [])


def support_question(thread: list[ThreadEvent]) -> ThreadEvent | None:
    """The support team's last message in `thread` (what the customer is asked when
    the ticket waits for their answer), or None."""
    for event in reversed(thread):
        if event.message_id is not None and event.by_support:
            return event
    return None
