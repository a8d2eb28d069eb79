"""The desk search's bounded shapes (issue 18 §3's target): the "more tickets" page lists
the most recent matches up to a cap and says "more than", the window of newest tickets
survives gaps in the numbers, and people are ranked nearest first whatever the LIMIT.
The same behaviour on SQLite and PostgreSQL (GiST trigram indexes, accounts/0008)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.search import organizations_matching, people_matching
from ecmp.tickets import desk_search as desk_search_module
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from tests.factories import OrganizationFactory, UserFactory, make_ticket

SEARCH = reverse("desk:search")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


def numbers(html):
    return [int(n) for n in re.findall(r'data-ticket="(\d+)"', html)]


def more_page(desk, q, page=None):
    params = {"q": q, "group": "tickets"}
    if page:
        params["page"] = page
    response = desk.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_more_page_lists_the_most_recent_matches_and_says_more_than(
    desk, alice, monkeypatch, settings
):
    from ecmp.desk import search_views

    monkeypatch.setattr(desk_search_module, "MORE", 4)
    monkeypatch.setattr(search_views.SearchPaginator, "cap", 4)
    settings.ECMP_LIST_PAGE_SIZE = 2
    tickets = [make_ticket(alice, subject=f"Plotter {n} offline") for n in range(6)]
    make_ticket(alice, subject="Something else")
    newest_first = sorted((t.number for t in tickets), reverse=True)
    first = more_page(desk, "plotter")
    assert numbers(first) == newest_first[:2]
    assert "Page 1 of more than 2" in first and 'id="search-older"' in first
    second = more_page(desk, "plotter", page=2)
    assert numbers(second) == newest_first[2:4]
    # No page past the cap: the last one is shown.
    assert numbers(more_page(desk, "plotter", page=3)) == newest_first[2:4]


def test_a_middling_word_lists_the_window_and_says_there_are_older_ones(
    desk, alice, monkeypatch, settings
):
    """Enough matches among the newest tickets for the search page, fewer than the
    "more" page's cap: those, and "more than" (older ones: narrow the search)."""
    monkeypatch.setattr(desk_search_module, "WINDOW", 4)
    monkeypatch.setattr(desk_search_module, "CANDIDATES", 2)
    settings.ECMP_LIST_PAGE_SIZE = 2
    old = make_ticket(alice, subject="Kettle broken")
    make_ticket(alice, subject="Filler")
    recent = [make_ticket(alice, subject=f"Kettle {n}") for n in range(2)]
    make_ticket(alice, subject="Filler again")
    html = more_page(desk, "kettle")
    assert numbers(html) == sorted((t.number for t in recent), reverse=True)
    assert old.number not in numbers(html) and 'id="search-older"' in html
    # A rare word: fewer than CANDIDATES in the window, every match over all tickets.
    rare = make_ticket(alice, subject="Teapot")
    old_rare = Ticket.objects.get(pk=old.pk)
    services.ticket_reply(ticket=old_rare, author=alice, body="Teapot too")
    assert set(numbers(more_page(desk, "teapot"))) == {rare.number, old.number}


def test_the_more_page_counts_exactly_below_the_cap(desk, alice, settings):
    settings.ECMP_LIST_PAGE_SIZE = 2
    tickets = [make_ticket(alice, subject=f"Beamer {n}") for n in range(3)]
    html = more_page(desk, "beamer")
    assert "Page 1 of 2" in html and "more than" not in html
    assert 'id="search-older"' not in html
    assert set(numbers(html) + numbers(more_page(desk, "beamer", page=2))) == {
        t.number for t in tickets
    }


def test_the_more_page_costs_the_same_whatever_it_finds(desk, alice, acme):
    make_ticket(alice, subject="Router one")

    def count():
        with CaptureQueriesContext(connection) as captured:
            more_page(desk, "router")
        return len(captured)

    few = count()
    for n in range(12):
        make_ticket(alice, subject=f"Router {n}")
        UserFactory(email=f"router{n}@acme.test", full_name=f"Router Owner {n}", organization=acme)
    assert count() == few


def test_the_more_page_is_for_the_support_team_only(client_for, alice, carol):
    make_ticket(carol, subject="Globex secret plan")
    response = client_for(alice).get(SEARCH, {"q": "secret", "group": "tickets"})
    assert response.status_code in (403, 404)
    assert "Globex secret plan" not in response.content.decode()


def test_internal_notes_are_found_by_the_desk_only(client_for, desk, alice, agnes):
    ticket = make_ticket(alice, subject="Laptop")
    services.ticket_reply(ticket=ticket, author=agnes, body="Suspect sabotage", internal=True)
    assert ticket.number in numbers(more_page(desk, "sabotage"))
    portal = client_for(alice).get(reverse("portal:service-desk"), {"q": "sabotage"})
    assert portal.status_code == 200 and "Laptop" not in portal.content.decode()


def test_the_window_of_newest_tickets_survives_gaps_in_the_numbers(desk, alice, monkeypatch):
    monkeypatch.setattr(desk_search_module, "WINDOW", 3)
    monkeypatch.setattr(desk_search_module, "CANDIDATES", 2)
    old = make_ticket(alice, subject="Tractor manual")
    middle = [make_ticket(alice, subject=f"Filler {n}") for n in range(4)]
    newest = make_ticket(alice, subject="Tractor wheel")
    # Deleted tickets leave holes: the window is narrower, never wrong.
    Ticket.objects.filter(pk__in=[t.pk for t in middle[1:]]).delete()
    html = desk.get(SEARCH, {"q": "tractor"}).content.decode()
    assert set(numbers(html)) == {old.number, newest.number}


def test_the_nearest_names_come_first_whatever_the_limit(db, acme):
    exact = UserFactory(email="m.kowalski@acme.test", full_name="Marta Kowalski", organization=acme)
    near = UserFactory(email="k.kowalska@acme.test", full_name="Kasia Kowalska")
    for n in range(6):
        UserFactory(email=f"other{n}@acme.test", full_name=f"Marta Nowak {n}")
    found = people_matching("Kowalski", limit=2)
    assert found[0] == exact
    assert set(found) <= {exact, near}
    assert all("Nowak" not in p.full_name for p in people_matching("Kowalski", limit=20))


def test_emails_and_phones_are_found_beside_names(db, acme):
    by_name = UserFactory(email="someone@acme.test", full_name="Pat Quarry")
    by_email = UserFactory(email="quarry.admin@acme.test", full_name="Lee Stone")
    by_phone = UserFactory(email="x@acme.test", full_name="Sam Flint", phone="+33 1 45 67 89 01")
    assert set(people_matching("quarry", limit=10)) == {by_name, by_email}
    # The name's match ranks before the email's alone.
    assert people_matching("quarry", limit=10)[0] == by_name
    assert people_matching("45.67.89", limit=10) == [by_phone]


def test_organizations_nearest_first(db):
    exact = OrganizationFactory(name="Fjord Logistics")
    OrganizationFactory(name="Fjordland Travel")
    OrganizationFactory(name="Unrelated Bakery")
    found = organizations_matching("Fjord Logistcs", limit=5)
    assert found[0] == exact
    assert all(o.name != "Unrelated Bakery" for o in found)


def test_a_rolled_back_search_leaves_the_names_threshold_working(db, acme):
    """PostgreSQL keeps the names' threshold in the session; set inside a transaction
    that rolls back, it is gone: the next search sets it again."""
    from django.db import transaction

    louise = UserFactory(email="l.schuman@acme.test", full_name="Louise Schuman")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert louise in people_matching("Shuman", limit=5)
        raise Undo
    assert louise in people_matching("Shuman", limit=5)
    assert louise in people_matching("Shuman", limit=5)
