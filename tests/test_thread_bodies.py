"""includes/thread.html writes a body without line breaks nor quotes as Jinja2 escapes
it, skipping Django's `linebreaksbr`: the result must be the filter's, byte for byte."""

from __future__ import annotations

import pytest
from django.template import defaultfilters, engines

from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.thread_reads import thread_with_files
from tests.factories import make_ticket

BODIES = [
    "Plain words",
    "Less < more & greater > all",
    "It's broken",
    'A "quoted" word',
    "Two\nlines",
    "Carriage\r\nreturn",
    "Alone\rCR",
    "<script>alert(1)</script>",
    "Tabs\tand  spaces",
    "Accents: éàü",  # linkable (":"): through urlize
    "Ampersand &amp; already",
]


@pytest.mark.django_db
@pytest.mark.parametrize("staff", [True, False])
def test_each_body_is_written_as_linebreaksbr_writes_it(alice, agnes, staff):
    ticket = make_ticket(alice)
    services.ticket_accept(ticket=ticket, actor=agnes)
    for body in BODIES:
        services.ticket_reply(ticket=ticket, author=agnes, body=body)
    ticket = Ticket.objects.get(pk=ticket.pk)
    thread, opening = thread_with_files(ticket, staff=staff)
    html = (
        engines["jinja2"]
        .from_string('{% include "includes/thread.html" %}')
        .render(
            {
                "thread": thread,
                "ticket": ticket,
                "opening_files": opening,
                "download": "desk:attachment-download",
            }
        )
    )
    for body in BODIES:
        if ":" in body:
            expected = defaultfilters.linebreaksbr(defaultfilters.urlize(body))
        else:
            expected = defaultfilters.linebreaksbr(body)
        assert f'<div class="thread-body mt-2">{expected}</div>' in html, body


TRICKY = [
    "Hello,\n\nSee https://support.example.com/kb/a-1. Thanks.\r\nBest regards",
    "Write to helpdesk@example.com, or (www.example.test).",
    "HTTP://EXAMPLE.TEST/<x>&y and 'www.a.test' \"b@c.test\"",
    "shop.org/path, a.COM; x.int(3) and https://[::1]/ and ftp://example.test",
    "mailto:a@b.test\r\rnext\r\n\r\nend &amp; <b>@</b>",
    "trailing https://example.test/?a=1&b=<2>\n",
]


@pytest.mark.parametrize("body", TRICKY)
def test_the_pieces_urlized_apart_are_the_body_urlized(body):
    from ecmp.tickets.presentation import _link_pieces

    pieces = _link_pieces(body)
    assert "".join(text for text, _link in pieces) == body
    assert any(link for _text, link in pieces)
    written = "".join(
        defaultfilters.linebreaksbr(defaultfilters.urlize(text) if link else text)
        for text, link in pieces
    )
    assert written == defaultfilters.linebreaksbr(defaultfilters.urlize(body))
