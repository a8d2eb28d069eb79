"""The reference the thread's tests compare `presentation.thread_entries` with: each
entry of includes/thread.html computed plainly, without the memo and its keys. It
repeats `thread_entries`' rule of an entry's text, files and mark, so a later change
to one copy alone fails the memo tests; the rule itself is checked against the
ticket's data by tests/test_thread_memo.py::test_each_entry_shows_its_own_text_files_and_mark.
Each entry's cells are `presentation._entry`'s, as the page's."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.presentation import ThreadEntry, _entry, event_summary
from ecmp.tickets.thread_reads import ThreadEvent, ThreadFile


def thread_cells(
    thread: list[ThreadEvent], ticket: Ticket, opening_files: list[ThreadFile], marks=None
) -> list[ThreadEntry]:
    """Each entry of includes/thread.html, newest first. `marks`: the desk's verdict
    on who mailed a message, by message id, 0 for the ticket's opening text."""
    marks = marks or {}
    language, zone = get_language(), timezone.get_current_timezone_name()
    entries = []
    for event in reversed(thread):
        if event.kind == EventKind.CREATED:  # the ticket's own text and files
            body, files, mark = ticket.description, opening_files, marks.get(0)
        elif event.message_id is not None:
            body, files, mark = event.body, event.files, marks.get(event.message_id)
        else:  # a change of status, priority…: no text
            body, files, mark = None, None, None
        name = event.actor_name or _("Support")
        summary = event_summary(event, language)
        entries.append(_entry(event, name, summary, body, files, mark, language, zone))
    return entries
