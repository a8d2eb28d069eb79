"""One search for everything (issue 18 §3): the desk's search page, the same cases on
SQLite (FTS5, Python stems) and PostgreSQL (tsvector in three configurations, pg_trgm)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Status
from tests.factories import UserFactory, make_ticket

SEARCH = reverse("desk:search")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def louise(acme):
    return UserFactory(
        email="l.schuman@acme.test",
        full_name="Louise Schuman",
        organization=acme,
        phone="06 12 34 56 78",
    )


@pytest.fixture
def world(alice, carol, louise, agnes):
    screen = make_ticket(alice, subject="Écran noir au démarrage", description="Rien ne s'affiche.")
    printer_fr = make_ticket(alice, subject="Imprimante en panne", description="Bourrage papier.")
    printer_en = make_ticket(carol, subject="Printer jammed", description="Paper everywhere.")
    vpn = make_ticket(louise, subject="VPN down", description="Since this morning.")
    closed = make_ticket(carol, subject="Mailbox full", description="Cannot receive.")
    services.ticket_reply(ticket=closed, author=agnes, body="Moved to quarantaine", internal=True)
    services.ticket_transition(ticket=closed, actor=agnes, status=Status.CLOSED)
    archived = make_ticket(alice, subject="Old laptop", description="Battery swollen.")
    services.ticket_reply(ticket=archived, author=agnes, body="Replaced under warranty")
    services.ticket_transition(ticket=archived, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    return {
        "screen": screen,
        "printer_fr": printer_fr,
        "printer_en": printer_en,
        "vpn": vpn,
        "closed": closed,
        "archived": archived,
    }


def found(desk, q, group=""):
    """The numbers of the tickets, people (by email) and organizations shown."""
    response = desk.get(SEARCH, {"q": q, "group": group} if group else {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    return html


def ticket_numbers(html):
    import re

    return {int(n) for n in re.findall(r'data-ticket="(\d+)"', html)}


def person_ids(html):
    import re

    return {int(n) for n in re.findall(r'data-person="(\d+)"', html)}


def organization_ids(html):
    import re

    return {int(n) for n in re.findall(r'data-organization="(\d+)"', html)}


# The same cases on both databases: (query, the tickets it must find).
CASES = [
    ("ecran", {"screen"}),  # accents ignored
    ("écran", {"screen"}),
    ("ÉCRAN NOIR", {"screen"}),
    ("demarrage", {"screen"}),
    ("imprimantes", {"printer_fr"}),  # French stemming
    ("printers", {"printer_en"}),  # English stemming
    ("jam", {"printer_en"}),  # the start of a word
    ("quarantaine", {"closed"}),  # a word of an internal note, a closed ticket
    ("warranty", {"archived"}),  # an archived ticket
    ("battery swollen", {"archived"}),  # every word
    ("battery vpn", set()),
]


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_the_desk_search_finds_tickets_by_their_words(desk, world, q, expected):
    assert ticket_numbers(found(desk, q)) == {world[name].number for name in expected}


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_the_queue_search_uses_the_same_documents(desk, world, q, expected):
    """The desk queue's search box (all statuses of the closed queue, or open)."""
    numbers = set()
    for queue in ("open", "closed", "archived"):
        html = desk.get(reverse("desk:queue"), {"queue": queue, "q": q}).content.decode()
        numbers |= {world[name].number for name in world if world[name].subject in html}
    assert numbers == {world[name].number for name in expected}


@pytest.mark.parametrize(
    "q", ["Schum", "schuman", "Shuman", "Louise", "l.schuman@acme", "0612345678"]
)
def test_people_are_found_by_part_of_their_name_a_typo_email_or_phone(desk, world, louise, q):
    html = found(desk, q)
    assert louise.pk in person_ids(html), q
    # Her tickets come with her.
    assert world["vpn"].number in ticket_numbers(html), q


def test_names_without_their_accents(desk, acme):
    helene = UserFactory(email="hb@acme.test", full_name="Hélène Bérégovoy", organization=acme)
    assert helene.pk in person_ids(found(desk, "helene beregovoy"))


def test_organizations_are_found_and_bring_their_tickets(desk, world, globex):
    html = found(desk, "Glob")
    assert globex.pk in organization_ids(html)
    assert {world["printer_en"].number, world["closed"].number} <= ticket_numbers(html)


def test_an_exact_number_opens_the_ticket_at_once(desk, world):
    for q in (str(world["archived"].number), f"#{world['closed'].number}"):
        response = desk.get(SEARCH, {"q": q})
        number = int(q.lstrip("#"))
        assert response.status_code == 302
        assert response.url == reverse("desk:ticket-detail", args=[number])


def test_a_number_that_is_no_ticket_is_searched_as_text(desk, world):
    response = desk.get(SEARCH, {"q": "999999"})
    assert response.status_code == 200
    assert "Nothing found" in response.content.decode()


def test_the_header_box_leads_to_the_search(desk, world):
    html = desk.get(reverse("desk:home")).content.decode()
    assert f'action="{SEARCH}"' in html and 'id="ticket-jump" name="q"' in html


def test_the_subject_ranks_first(desk, alice):
    older = make_ticket(alice, subject="Printer", description="Toner is low")
    make_ticket(alice, subject="Other thing", description="The toner smells")
    newer = make_ticket(alice, subject="Toner order", description="Please send two")
    numbers = [
        int(n) for n in __import__("re").findall(r'data-ticket="(\d+)"', found(desk, "toner"))
    ]
    assert numbers[0] == newer.number and numbers[-1] != newer.number
    assert older.number in numbers


def test_each_group_says_more_and_shows_it_alone(desk, alice):
    for n in range(12):
        make_ticket(alice, subject=f"Scanner {n} offline")
    html = found(desk, "scanner")
    assert len(ticket_numbers(html)) == 10 and "More tickets" in html
    everything = found(desk, "scanner", group="tickets")
    assert len(ticket_numbers(everything)) == 12
    for n in range(12):
        UserFactory(email=f"dupont{n}@acme.test", full_name=f"Jean Dupont {n}")
    assert "More people" in found(desk, "dupont")
    assert len(person_ids(found(desk, "dupont", group="people"))) == 12


def queries(desk, q):
    with CaptureQueriesContext(connection) as captured:
        assert desk.get(SEARCH, {"q": q}).status_code == 200
    return len(captured)


def test_the_search_page_costs_the_same_whatever_it_finds(desk, alice, acme):
    make_ticket(alice, subject="Modem blinking")
    UserFactory(email="modem1@acme.test", full_name="Modem Person", organization=acme)
    few = queries(desk, "modem")
    for n in range(15):
        make_ticket(alice, subject=f"Modem {n}")
        UserFactory(email=f"modem-owner{n}@acme.test", full_name=f"Modem Owner {n}")
    assert queries(desk, "modem") == few


@pytest.mark.parametrize(
    "q",
    ["", "   ", "___", "%", "a:*", "&|!", "'", '"', "\\", "C++", "x" * 5000, "a\x00b", "日本語"],
)
def test_any_text_is_answered(desk, world, q):
    for group in ("", "tickets", "people", "organizations"):
        assert desk.get(SEARCH, {"q": q, "group": group}).status_code == 200


def test_customers_cannot_use_the_desk_search(client_for, alice, world):
    response = client_for(alice).get(SEARCH, {"q": "quarantaine"})
    assert response.status_code in (403, 404)
    assert "Mailbox" not in response.content.decode()


def test_the_search_of_a_ticket_written_later_finds_it(desk, alice, agnes):
    ticket = make_ticket(alice, subject="Keyboard")
    assert ticket.number not in ticket_numbers(found(desk, "coffee"))
    services.ticket_reply(ticket=ticket, author=agnes, body="Coffee spilled on it", internal=True)
    assert ticket.number in ticket_numbers(found(desk, "coffee"))


def test_old_and_new_matches_are_found_past_the_window_of_newest_tickets(desk, alice, monkeypatch):
    """The newest tickets are searched first, then the word's index over all."""
    from ecmp.tickets import desk_search

    monkeypatch.setattr(desk_search, "WINDOW", 2)
    monkeypatch.setattr(desk_search, "CANDIDATES", 2)
    old = make_ticket(alice, subject="Zeppelin hangar door")
    for n in range(3):
        make_ticket(alice, subject=f"Recent thing {n}")
    newest = make_ticket(alice, subject="Zeppelin again")
    assert ticket_numbers(found(desk, "zeppelin")) == {old.number, newest.number}
    assert ticket_numbers(found(desk, "hangar")) == {old.number}
    many = [make_ticket(alice, subject=f"Recent thing {n}") for n in range(2)]
    # Enough in the window: the most recent matches.
    assert ticket_numbers(found(desk, "recent thing")) == {t.number for t in many}
