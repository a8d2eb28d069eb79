"""includes/thread.html writes each entry once per process and keeps its markup
(tickets/presentation.py's `thread_entries`): what it writes, from the memo or not, must
be what the thread wrote without a memo, byte for byte, and a text edited or erased
since, or anything else an entry shows, must never be served from the memo."""

from __future__ import annotations

import zoneinfo

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation

from ecmp.mail.sender_marks import SenderMark
from ecmp.privacy.erasure import FORMER_USER, person_erase
from ecmp.tickets import presentation, services
from ecmp.tickets.models import Category, Message, Ticket
from ecmp.tickets.presentation import thread_entries, thread_keep
from ecmp.tickets.services.categories import ticket_category_set
from ecmp.tickets.status import Priority, Status
from ecmp.tickets.thread_reads import thread_with_files
from tests.factories import make_ticket, upload
from tests.thread_reference import thread_cells

# includes/thread.html before the memo: each entry written on every view, from
# `thread_cells`. The reference the kept markup is compared with.
WITHOUT_MEMO = """{# The history of a ticket, newest first; `download` names the view that serves its files; `sender_marks` (desk only) the verdict on who mailed each message. #}{% macro file_list(files, number, download) %}<ul class="list-inline small mt-2 mb-0">
{% for file in files %}{% set href = link(download, number, file.pk) %}<li class="list-inline-item align-top">{% if file.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp") %}{# the raster types tickets/downloads.py serves inline; never SVG #}<a href="{{ href }}" class="d-inline-block"><img class="attachment-thumb mb-1" src="{{ href }}" alt="{{ file.original_name }}" loading="lazy"></a>{% endif %}<a href="{{ href }}"><i class="bi bi-paperclip" aria-hidden="true"></i> {{ file.original_name }}</a> <span class="text-body-secondary">({{ file.size|filesizeformat }})</span></li>{% endfor %}
</ul>{% endmacro %}{# The thread written into one string, then given to the page once: each piece of output otherwise passes through every block and template around it (about 20 a message). #}{% set thread_html %}
<ol class="list-unstyled" id="thread">
{% set internal = _("Internal") %}{% set entries = thread_cells(thread, ticket, opening_files, sender_marks) %}{% for e in entries %}
  <li class="thread-entry {{ e.css }} mb-2 p-3">
    <div class="small">{% if e.internal %}<i class="bi bi-lock-fill" aria-hidden="true"></i> <span class="badge text-bg-warning">{{ internal }}</span> {% endif %}<strong>{{ e.name }}</strong> | {{ e.summary }}
      <time class="text-body-secondary ms-2" datetime="{{ e.machine }}">{{ e.person }}</time>{% if e.mark %}{% with row=e.mark %}{% include "desk/_sender_mark.html" %}{% endwith %}{% endif %}</div>
    {% if e.body is not none %}
      <div class="thread-body mt-2">{% if e.plain %}{{ e.body }}{% else %}{% for text, how in e.pieces %}{% if how == 0 %}{{ text[0] }}{% for line in text[1:] %}<br>{{ line }}{% endfor %}{% elif how == 1 %}{{ text|urlize|linebreaksbr }}{% else %}{{ text|linebreaksbr }}{% endif %}{% endfor %}{% endif %}</div>
      {% if e.files %}{{ file_list(e.files, ticket.number, download) }}{% endif %}
    {% endif %}
  </li>
{% endfor %}
</ol>{% endset %}{{ thread_html }}
"""

BODIES = [
    "Plain words",
    "Less < more & greater > all",
    "It's broken",
    'A "quoted" word',
    "Two\nlines\n\nand a gap",
    "Carriage\r\nreturn\rand CR",
    "<script>alert(1)</script>",
    "See https://support.example.com/kb/a-1. Thanks.\r\nBest regards",
    "Write to helpdesk@example.com, or (www.example.test).",
    "HTTP://EXAMPLE.TEST/<x>&y and 'www.a.test' \"b@c.test\"",
    "Accents: éàü, mailto:a@b.test",
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64

EVIDENCE = [
    {"check": "token", "result": "match", "detail": "reply token"},
    {"check": "dmarc", "result": "fail", "detail": "<p=reject>"},
    {"check": "spf", "result": "warning", "detail": ""},
    {"check": "other", "result": "neutral"},
]


@pytest.fixture(autouse=True)
def _empty_memo():
    presentation._memo.clear()
    yield
    presentation._memo.clear()


@pytest.fixture
def busy(alice, agnes):
    """A ticket with every kind of entry: files, links, quotes, line breaks, an
    internal note, status, priority and category changes."""
    ticket = make_ticket(
        alice, files=[upload("shot.png", PNG), upload("a.pdf", b"%PDF-1", "application/pdf")]
    )
    services.ticket_accept(ticket=ticket, actor=agnes)
    for i, body in enumerate(BODIES):
        author = agnes if i % 2 else alice
        files = [upload(f"f{i}.png", PNG)] if i % 3 == 0 else []
        services.ticket_reply(ticket=ticket, author=author, body=body, files=files)
    services.ticket_reply(ticket=ticket, author=agnes, body="SECRET <note>", internal=True)
    services.ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.HIGH, reason="x")
    category = Category.objects.create(name_en="Printers", name_fr="Imprimantes")
    ticket_category_set(ticket=ticket, actor=agnes, category=category)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    return Ticket.objects.get(pk=ticket.pk)


def _marks(ticket: Ticket) -> dict:
    ids = list(Message.objects.filter(ticket=ticket).order_by("pk").values_list("pk", flat=True))
    return {
        0: SenderMark(7, "verified", EVIDENCE, False),
        ids[1]: SenderMark(8, "failed", EVIDENCE[1:], True),
        ids[2]: SenderMark(9, "unverified", [], False),
    }


def _render(source: str, ticket: Ticket, *, staff: bool, marks=None) -> str:
    thread, opening = thread_with_files(ticket, staff=staff)
    context = {
        "thread": thread,
        "ticket": ticket,
        "opening_files": opening,
        "sender_marks": marks,
        "download": "desk:attachment-download" if staff else "portal:attachment-download",
        "thread_cells": thread_cells,  # the reference's (tests/thread_reference.py)
    }
    if source == "memo":
        template = engines["jinja2"].env.get_template("includes/thread.html")
    else:
        template = engines["jinja2"].env.from_string(WITHOUT_MEMO)
    return template.render(context)


@pytest.mark.django_db
@pytest.mark.parametrize("staff", [True, False])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Los_Angeles"])
def test_the_kept_markup_is_what_the_thread_wrote_without_it(busy, staff, language, zone):
    marks = _marks(busy) if staff else None
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = _render("reference", busy, staff=staff, marks=marks)
        assert expected.count('class="thread-entry') >= len(BODIES) + 3
        assert ("SECRET" in expected) == staff
        assert ("sender-mark" in expected) == staff
        cold = _render("memo", busy, staff=staff, marks=marks)
        assert len(presentation._memo.kept) >= len(BODIES)
        warm = _render("memo", busy, staff=staff, marks=marks)
    assert cold == expected
    assert warm == expected


@pytest.mark.django_db
def test_each_side_language_and_zone_get_their_own_markup(busy):
    """The memo filled by one page never answers another: the customer's and the
    desk's, English and French, two time zones, in any order."""
    cases = [
        (staff, language, zone)
        for staff in (True, False)
        for language in ("fr", "en")
        for zone in ("America/Los_Angeles", "Europe/Paris")
    ]
    expected = {}
    for staff, language, zone in cases:
        with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
            marks = _marks(busy) if staff else None
            expected[staff, language, zone] = _render("reference", busy, staff=staff, marks=marks)
    assert len(set(expected.values())) == len(cases)
    for round_ in range(2):
        for staff, language, zone in reversed(cases) if round_ else cases:
            with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
                marks = _marks(busy) if staff else None
                written = _render("memo", busy, staff=staff, marks=marks)
            assert written == expected[staff, language, zone], (staff, language, zone)


def _env():
    return engines["jinja2"].env


class _Counting:
    """includes/thread.html's part in a stand-in: each entry not kept is "written"
    (as the plain values it was given) and kept; `calls`, how many were written."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, thread, ticket, opening, marks, download):
        written = []
        for kept, entry, key in thread_entries(_env(), thread, ticket, opening, marks, download):
            if kept is None:
                self.calls += 1
                kept = thread_keep(key, (entry, ticket.number, download))
            written.append(kept)
        return written


@pytest.mark.django_db
def test_an_entry_is_written_again_when_anything_it_shows_differs(busy, alice, agnes):
    thread, opening = thread_with_files(busy, staff=True)
    marks = _marks(busy)
    render = _Counting()

    def written(ticket=busy, thread=thread, marks=marks, download="desk:attachment-download"):
        before = render.calls
        entries = render(thread, ticket, opening, marks, download)
        plain = thread_cells(thread, ticket, opening, marks)
        # What each entry was written from is what the plain path computes.
        assert [entry for entry, _n, _d in entries] == plain
        assert all(n == ticket.number and d == download for _e, n, d in entries)
        return render.calls - before

    count = len(thread)
    assert written() == count  # cold
    assert written() == 0  # all kept
    with translation.override("fr"):
        assert written() == count
        assert written() == 0
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert written() == count
    assert written(download="portal:attachment-download") == count
    other = Ticket.objects.get(pk=busy.pk)
    other.number = busy.number + 1
    assert written(ticket=other) == count
    # One changed value: that entry alone is written again.
    edited = list(thread)
    edited[3] = edited[3]._replace(body=(edited[3].body or "") + " edited")
    assert written(thread=edited) == 1
    renamed = [
        e._replace(actor_name="Someone else") if e.actor_name == "Alice Martin" else e
        for e in thread
    ]
    assert written(thread=renamed) == sum(e.actor_name == "Alice Martin" for e in thread)
    moved = list(thread)
    index = next(i for i, e in enumerate(thread) if e.kind == "status" and e.to_value == "wait")
    moved[index] = moved[index]._replace(to_value=Status.CLOSED)
    assert written(thread=moved) == 1
    flagged = list(thread)
    flagged[5] = flagged[5]._replace(internal=not flagged[5].internal)
    assert written(thread=flagged) == 1
    ids = list(Message.objects.filter(ticket=busy).order_by("pk").values_list("pk", flat=True))
    for change in (
        {"evidence": EVIDENCE[:1]},
        {"evidence": [dict(EVIDENCE[1], detail="other")]},
        {"raw_purged": False},
        {"verification": "verified"},
    ):
        changed = dict(marks)
        changed[ids[1]] = marks[ids[1]]._replace(**change)
        assert written(marks=changed) == 1, change
    assert written(marks={}) == 3  # the three marked entries without their mark
    files = list(thread)
    index = next(i for i, e in enumerate(thread) if e.files)
    files[index] = files[index]._replace(
        files=[f._replace(original_name="renamed.png") for f in thread[index].files]
    )
    assert written(thread=files) == 1
    described = Ticket.objects.get(pk=busy.pk)
    described.description = "Another description"
    assert written(ticket=described) == 1
    assert written() == 0  # the first entries are still kept


@pytest.mark.django_db
def test_a_long_text_is_written_each_time_never_kept(alice):
    body = "word " * (presentation._MEMO_LONGEST // 5 + 1)
    ticket = make_ticket(alice, description=body)
    thread, opening = thread_with_files(ticket, staff=False)
    render = _Counting()
    render(thread, ticket, opening, None, "portal:attachment-download")
    render(thread, ticket, opening, None, "portal:attachment-download")
    assert render.calls == 2
    assert not presentation._memo.kept


def test_the_memo_is_bounded():
    memo = presentation._Memo(3)
    for key in range(5):
        memo.put((key,), key)
    assert list(memo.kept) == [(2,), (3,), (4,)]
    assert memo.get((2,)) == 2  # now the most recent
    memo.put((5,), 5)
    assert list(memo.kept) == [(4,), (2,), (5,)]


@pytest.mark.django_db
def test_an_edited_text_or_an_erased_name_is_never_served_from_the_memo(
    alice, agnes, adam, client_for
):
    ticket = make_ticket(alice, description="First words of the ticket")
    services.ticket_reply(ticket=ticket, author=alice, body="Private reply of Alice")
    desk = client_for(agnes)
    portal = client_for(alice)
    desk_url = reverse("desk:ticket-detail", args=[ticket.number])
    portal_url = reverse("portal:ticket-detail", args=[ticket.number])
    for _ in range(2):  # kept, then served from the memo
        assert "Private reply of Alice" in desk.get(desk_url).text
        assert "Private reply of Alice" in portal.get(portal_url).text
    Message.objects.filter(ticket=ticket, body="Private reply of Alice").update(body="[erased]")
    Ticket.objects.filter(pk=ticket.pk).update(description="Rewritten words")
    for page in (desk.get(desk_url).text, portal.get(portal_url).text):
        assert "Private reply of Alice" not in page and "[erased]" in page
        assert "First words of the ticket" not in page and "Rewritten words" in page
    assert "Alice Martin" in desk.get(desk_url).text
    person_erase(user=alice, by=adam)
    page = desk.get(desk_url).text
    assert "Alice Martin" not in page and FORMER_USER in page


@pytest.mark.django_db
def test_words_the_same_in_two_languages_still_get_each_language_s_markup(busy, monkeypatch):
    """An entry whose own words are the same in English and French is still written
    again in French: its label "Internal", its sender mark and its file sizes are
    the page's language's."""
    monkeypatch.setattr(presentation, "event_summary", lambda event, language=None: "Same")
    thread, opening = thread_with_files(busy, staff=True)
    thread = [e._replace(actor_name="Same name") for e in thread]
    render = _Counting()
    render(thread, busy, opening, None, "desk:attachment-download")
    assert render.calls == len(thread)
    with translation.override("fr"):
        render(thread, busy, opening, None, "desk:attachment-download")
    assert render.calls == 2 * len(thread)


@pytest.mark.django_db
def test_nothing_is_kept_where_templates_are_read_again_when_changed(busy):
    thread, opening = thread_with_files(busy, staff=False)
    reloading = _env().overlay(auto_reload=True)
    for _ in range(2):
        items = thread_entries(reloading, thread, busy, opening, None, "x")
        assert all(kept is None and key is None for kept, _entry, key in items)
    assert [entry for _kept, entry, _key in items] == thread_cells(thread, busy, opening)


@pytest.mark.django_db
def test_each_entry_shows_its_own_text_files_and_mark(busy):
    """The rule of what an entry shows, said plainly (not by the reference's copy of
    the loop): the opening entry shows the ticket's text, files and the mark keyed 0;
    a message its own body, files and mark; a change (status, priority…) no text."""
    presentation._memo.clear()
    thread, opening = thread_with_files(busy, staff=True)
    marks = _marks(busy)
    entries = thread_entries(_env(), thread, busy, opening, marks, "desk:attachment-download")
    shown = [entry for _kept, entry, _key in entries]  # cold: every entry, none kept
    assert len(shown) == len(thread) and all(entry is not None for entry in shown)
    opening_entry = shown[-1]  # newest first: the creation is last
    assert opening_entry.body == busy.description
    assert sorted(f.original_name for f in opening_entry.files) == ["a.pdf", "shot.png"]
    assert opening_entry.mark == marks[0]
    messages = list(Message.objects.filter(ticket=busy).order_by("-pk"))
    with_text = [entry for entry in shown[:-1] if entry.body is not None]
    assert [entry.body for entry in with_text] == [m.body for m in messages]
    marked = {m.pk: entry.mark for m, entry in zip(messages, with_text, strict=True)}
    assert all(marked[pk] == mark for pk, mark in marks.items() if pk)
    assert sum(entry.mark is not None for entry in with_text) == len(marks) - 1
    changes = [entry for entry in shown[:-1] if entry.body is None]
    assert changes and all(entry.files is None and entry.mark is None for entry in changes)
