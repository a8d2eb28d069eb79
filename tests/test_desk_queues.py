"""Queues, filters, search, the "Ticket #" jump, the dashboard."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority, Status
from tests.factories import make_ticket

QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def tickets(alice, carol, agnes, adam):
    new = make_ticket(alice, subject="Brand new")
    mine = make_ticket(alice, subject="Mine to do", priority=Priority.HIGH)
    services.ticket_accept(ticket=mine, actor=agnes)
    theirs = make_ticket(carol, subject="Adam works on it")
    services.ticket_accept(ticket=theirs, actor=adam)
    services.ticket_transition(ticket=theirs, actor=adam, status=Status.WAIT)
    closed = make_ticket(carol, subject="Done and dusted", channel=Channel.EMAIL)
    services.ticket_transition(ticket=closed, actor=agnes, status=Status.CLOSED)
    old = make_ticket(alice, subject="From the archive")
    services.ticket_transition(ticket=old, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=old.pk).update(archived_at=timezone.now())
    services.ticket_reply(ticket=new, author=alice, body="The toner smells of almonds")
    return {"new": new, "mine": mine, "theirs": theirs, "closed": closed, "old": old}


def shown(desk, **params):
    html = desk.get(QUEUE, params).content.decode()
    subjects = [
        "Brand new",
        "Mine to do",
        "Adam works on it",
        "Done and dusted",
        "From the archive",
    ]
    return {subject for subject in subjects if subject in html}


def test_each_queue_holds_its_tickets(desk, tickets):
    assert shown(desk, queue="new") == {"Brand new"}
    assert shown(desk, queue="mine") == {"Mine to do"}
    assert shown(desk, queue="open") == {"Brand new", "Mine to do", "Adam works on it"}
    assert shown(desk, queue="wait") == {"Adam works on it"}
    assert shown(desk, queue="closed") == {"Done and dusted"}
    assert shown(desk, queue="archived") == {"From the archive"}


def test_the_chosen_client_stays_selected(desk, tickets, globex):
    # The autocomplete's box shows the chosen client's name; the form sends its id.
    html = desk.get(QUEUE, {"queue": "open", "organization": globex.pk}).content.decode()
    assert f'name="organization" id="id_organization_id" value="{globex.pk}"' in html
    assert 'id="id_organization" value="Globex" data-chosen="Globex"' in html
    assert 'placeholder="Any organization"' in html
    nonsense = desk.get(QUEUE, {"queue": "open", "organization": "x"})
    assert nonsense.status_code == 200
    # An id no client has, or not as str(id) writes it: the box is empty, as the select
    # showed "Any organization".
    for unknown in ("999999", f"0{globex.pk}"):
        html = desk.get(QUEUE, {"queue": "open", "organization": unknown}).content.decode()
        assert 'name="organization" id="id_organization_id" value=""' in html
        assert 'id="id_organization" value="" data-chosen=""' in html


def test_filters(desk, tickets, globex, adam):
    assert shown(desk, queue="open", priority=Priority.HIGH) == {"Mine to do"}
    assert shown(desk, queue="open", organization=globex.pk) == {"Adam works on it"}
    assert shown(desk, queue="open", assignee="none") == {"Brand new"}
    assert shown(desk, queue="open", assignee=adam.pk) == {"Adam works on it"}
    assert shown(desk, queue="closed", channel="email") == {"Done and dusted"}
    assert shown(desk, queue="open", status="wait") == {"Adam works on it"}


def test_search_covers_subjects_and_message_text(desk, tickets):
    assert shown(desk, queue="open", q="toner") == {"Brand new"}
    assert shown(desk, queue="open", q="Adam works") == {"Adam works on it"}
    assert shown(desk, queue="open", q=str(tickets["mine"].number)) == {"Mine to do"}


def test_search_finds_every_text_written_on_a_ticket(desk, tickets, agnes):
    services.ticket_reply(
        ticket=tickets["mine"], author=agnes, body="Flux capacitor replaced", internal=True
    )
    services.ticket_set_priority(
        ticket=tickets["mine"], actor=agnes, priority=Priority.URGENT, reason="CEO's laptop"
    )
    services.ticket_transition(
        ticket=tickets["theirs"], actor=agnes, status=Status.CLOSED, note="Fuser unit swapped"
    )
    assert shown(desk, queue="open", q="capacitor") == {"Mine to do"}
    assert shown(desk, queue="open", q="CEO laptop") == {"Mine to do"}
    assert shown(desk, queue="closed", q="fuser") == {"Adam works on it"}


def test_search_matches_the_start_of_words_and_every_word(desk, tickets):
    assert shown(desk, queue="open", q="tone") == {"Brand new"}
    assert shown(desk, queue="open", q="ALMOND") == {"Brand new"}
    assert shown(desk, queue="open", q="works adam") == {"Adam works on it"}
    assert shown(desk, queue="open", q="toner adam") == set()
    assert shown(desk, queue="open", q="%_'&|!:*") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"queue": "nonsense"},
        {"priority": "9"},
        {"organization": "999999"},
        {"organization": "abc"},
        {"assignee": "99999999999999999999"},
        {"sort": "password"},
        {"page": "-1"},
        {"q": "a\x00b"},
        {"q": "x" * 5000},
    ],
)
def test_nonsense_parameters_never_fail(desk, tickets, params):
    assert desk.get(QUEUE, params).status_code == 200


def test_the_queue_sorts_by_time_left(desk, tickets):
    html = desk.get(QUEUE, {"queue": "open", "sort": "due"}).content.decode()
    # High priority's deadline comes before Normal's.
    assert html.index("Mine to do") < html.index("Brand new")


def test_the_htmx_filter_returns_the_list_alone(desk, tickets):
    response = desk.get(
        QUEUE, {"queue": "new"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-list"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-list">') and "Brand new" in html


def test_the_ticket_number_box_opens_the_ticket(desk, tickets):
    number = tickets["closed"].number
    response = desk.get(reverse("desk:jump"), {"number": f"#{number}"})
    assert response.url == reverse("desk:ticket-detail", args=[number])
    missing = desk.get(reverse("desk:jump"), {"number": "99999", "back": "/desk/"}, follow=True)
    assert "There is no ticket 99999." in missing.content.decode()
    evil = desk.get(reverse("desk:jump"), {"number": "x", "back": "//evil.example/"})
    assert evil.url == QUEUE


def test_the_dashboard_counts_and_charts(desk, tickets):
    response = desk.get(reverse("desk:home"))
    html = response.content.decode()
    assert 'data-count="new">1<' in html
    assert 'data-count="mine">1<' in html
    assert 'data-count="open">3<' in html
    data = json.loads(html.split('id="per-day-data" type="application/json">')[1].split("<")[0])
    assert len(data["labels"]) == 30
    assert data["opened"][-1] == 5 and data["closed"][-1] == 2


def queries(desk, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert desk.get(url, params or {}).status_code == 200
    return len(captured)


def test_queue_and_ticket_page_queries_do_not_grow(desk, alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_accept(ticket=ticket, actor=agnes)
    services.ticket_reply(ticket=ticket, author=agnes, body="first")
    page_url = reverse("desk:ticket-detail", args=[ticket.number])
    few = (queries(desk, QUEUE, {"queue": "open"}), queries(desk, page_url))
    for n in range(8):
        other = make_ticket(alice, subject=f"More {n}")
        services.ticket_accept(ticket=other, actor=agnes)
        services.ticket_reply(ticket=ticket, author=agnes, body=f"reply {n}", internal=bool(n % 2))
    many = (queries(desk, QUEUE, {"queue": "open"}), queries(desk, page_url))
    assert many == few


@pytest.mark.parametrize(
    "q", ["___", "a_b", "x" * 300, "日本語", "%", "a:*", "&|!", "'", "\\", "C++", "e-mail"]
)
def test_any_search_text_is_answered(desk, tickets, q):
    """Whatever an agent types reaches no query syntax (tsquery, LIKE) unescaped."""
    assert desk.get(QUEUE, {"queue": "open", "q": q}).status_code == 200


def test_search_finds_words_with_underscores(desk, alice, agnes):
    ticket = make_ticket(alice, subject="Browser says")
    services.ticket_reply(ticket=ticket, author=alice, body="ERR_CONNECTION_REFUSED again")
    for q in ("ERR_CONNECTION_REFUSED", "err_conn", "connection_refused"):
        assert "Browser says" in desk.get(QUEUE, {"queue": "open", "q": q}).content.decode(), q


def test_search_finds_words_with_accents_and_hyphens(desk, alice):
    make_ticket(alice, subject="Café e-mail en panne")
    assert shown_subjects(desk, "café") == {"Café e-mail en panne"}
    assert shown_subjects(desk, "e-mail") == {"Café e-mail en panne"}
    assert shown_subjects(desk, "pann") == {"Café e-mail en panne"}


def shown_subjects(desk, q):
    html = desk.get(QUEUE, {"queue": "open", "q": q}).content.decode()
    return {s for s in ["Café e-mail en panne"] if s in html}


@pytest.mark.postgresql
def test_a_ticket_whose_search_document_is_full_still_takes_replies(desk, alice, agnes, caplog):
    """(Found in review.) 1 MB of distinct words (pasted logs) fills a tsvector."""
    import secrets

    ticket = make_ticket(alice, subject="Logs attached")
    for _ in range(12):
        log = " ".join(secrets.token_hex(6) for _ in range(7_600))  # ~99 KB, all distinct
        services.ticket_reply(ticket=ticket, author=alice, body=log)
    services.ticket_reply(ticket=ticket, author=agnes, body="Found it: the spooler")
    assert ticket.messages.count() == 13
    assert "search document is full" in caplog.text
    assert "Logs attached" in desk.get(QUEUE, {"queue": "open", "q": "logs"}).content.decode()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)  # CREATE INDEX CONCURRENTLY: outside a transaction
def test_the_upgrade_fills_search_documents_in_batches_and_caps_them(alice, agnes):
    import importlib
    import secrets
    from types import SimpleNamespace

    from django.db import connection

    upgrade = importlib.import_module("ecmp.tickets.migrations.0003_search_documents")
    big = make_ticket(alice, subject="Huge history")
    small = make_ticket(alice, subject="Short one")
    for _ in range(12):
        log = " ".join(secrets.token_hex(6) for _ in range(7_600))
        services.ticket_reply(ticket=big, author=alice, body=log)
    services.ticket_reply(ticket=small, author=agnes, body="Toner replaced")
    Ticket.objects.update(search_document=None)  # as before the upgrade

    upgrade.fill_and_index(None, SimpleNamespace(connection=connection))
    upgrade.fill_and_index(None, SimpleNamespace(connection=connection))  # safe twice

    assert not Ticket.objects.filter(search_document__isnull=True).exists()
    desk = Ticket.objects.filter(pk__in=[big.pk, small.pk])
    from ecmp.tickets.search import search_filter

    assert set(search_filter(desk, "toner", None)) == {small}
    assert set(search_filter(desk, "huge", None)) == {big}
