"""A ticket page's thread reads its files only when the ticket has some (the events'
statement says whether it has any): the same thread and files either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecmp.tickets import services
from ecmp.tickets.models import Attachment, Ticket
from ecmp.tickets.thread_reads import thread_with_files
from tests.factories import make_ticket, upload

pytestmark = pytest.mark.django_db


def _read(ticket: Ticket, *, staff: bool) -> tuple[list, list, int]:
    with CaptureQueriesContext(connection) as statements:
        thread, opening = thread_with_files(ticket, staff=staff)
    return thread, opening, len(statements)


def _names(thread: list, opening: list) -> tuple[dict[str, list[str]], list[str]]:
    files = {e.body: [f.original_name for f in e.files] for e in thread if e.message_id}
    return files, [f.original_name for f in opening]


@pytest.mark.parametrize("staff", [True, False])
def test_a_ticket_without_files_is_read_in_one_statement(alice, agnes, staff):
    ticket = make_ticket(alice)
    services.ticket_reply(ticket=ticket, author=agnes, body="Hi")
    thread, opening, statements = _read(ticket, staff=staff)
    assert statements == 1
    assert opening == [] and all(e.files == [] for e in thread)
    assert [e.body for e in thread if e.message_id] == ["Hi"]


@pytest.mark.parametrize("staff", [True, False])
def test_a_ticket_with_files_reads_them_where_they_belong(alice, agnes, staff):
    ticket = make_ticket(alice)
    services.ticket_reply(ticket=ticket, author=agnes, body="Hi")
    assert _read(ticket, staff=staff)[2] == 1
    # A file given later: the next read sees it (nothing of the first read is kept).
    services.ticket_reply(ticket=ticket, author=alice, body="Here", files=[upload("a.png")])
    thread, opening, statements = _read(ticket, staff=staff)
    assert statements == 2
    assert _names(thread, opening) == ({"Hi": [], "Here": ["a.png"]}, [])


@pytest.mark.parametrize("staff", [True, False])
def test_files_of_the_opening_alone_are_read(alice, staff):
    ticket = make_ticket(alice, files=[upload("opening.png")])
    _thread, opening, statements = _read(ticket, staff=staff)
    assert statements == 2
    assert [f.original_name for f in opening] == ["opening.png"]


def test_a_customer_whose_ticket_has_only_a_notes_file_sees_none(alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_reply(
        ticket=ticket, author=agnes, body="Secret", internal=True, files=[upload("note.png")]
    )
    thread, opening, _ = _read(ticket, staff=False)
    assert opening == [] and all(e.files == [] for e in thread)
    assert "Secret" not in [e.body for e in thread]
    thread, opening, _ = _read(ticket, staff=True)
    assert _names(thread, opening)[0]["Secret"] == ["note.png"]


def test_a_ticket_with_no_event_still_reads_its_files(alice):
    # No event to carry the answer (not a state the services leave, but the read
    # must not lose files for it).
    ticket = make_ticket(alice, files=[upload("opening.png")])
    ticket.events.all().delete()
    for staff in (True, False):
        thread, opening, _ = _read(ticket, staff=staff)
        assert thread == [] and [f.original_name for f in opening] == ["opening.png"]
    assert Attachment.objects.filter(ticket=ticket).count() == 1
