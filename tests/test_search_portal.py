"""Customers' search in the portal (issue 18 §3): every list at once, their tickets
only, never the text of an internal note."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Status
from tests.factories import make_ticket

LIST = reverse("portal:service-desk")


@pytest.fixture
def tickets(alice, carol, agnes):
    open_ = make_ticket(alice, subject="Imprimante du deuxième étage")
    services.ticket_reply(
        ticket=open_, author=agnes, body="Zanzibar protocol applied", internal=True
    )
    closed = make_ticket(alice, subject="Mailbox full")
    services.ticket_reply(ticket=closed, author=agnes, body="Archive folder emptied")
    services.ticket_transition(ticket=closed, actor=agnes, status=Status.CLOSED)
    archived = make_ticket(alice, subject="Old laptop", description="Battery swollen")
    services.ticket_transition(ticket=archived, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    theirs = make_ticket(carol, subject="Globex zeppelin hangar", description="Secret plans")
    return {"open": open_, "closed": closed, "archived": archived, "theirs": theirs}


def numbers(client, q, which="open", **headers):
    response = client.get(LIST, {"list": which, "q": q}, **headers)
    assert response.status_code == 200
    html = response.content.decode()
    return {int(n) for n in re.findall(r'href="/portal/tickets/(\d+)/"', html)}, html


@pytest.mark.parametrize("which", ["open", "recent", "archive"])
def test_a_search_covers_every_list_and_says_so(client_for, alice, tickets, which):
    customer = client_for(alice)
    found, html = numbers(customer, "battery", which)
    assert found == {tickets["archived"].number}
    assert "from all your lists" in html
    assert numbers(customer, "emptied", which)[0] == {tickets["closed"].number}
    assert numbers(customer, "deuxième", which)[0] == {tickets["open"].number}
    assert numbers(customer, str(tickets["archived"].number), which)[0] == {
        tickets["archived"].number
    }


def test_a_customer_s_word_matches_the_start_of_a_word_as_on_the_desk(client_for, alice, tickets):
    """The words are looked up in the search documents first (one read, however many
    tickets the customer sees), then in the public texts: the start of a word finds
    it, its middle does not, in every list and on both databases."""
    customer = client_for(alice)
    assert numbers(customer, "batt")[0] == {tickets["archived"].number}
    assert numbers(customer, "Mailbox FULL")[0] == {tickets["closed"].number}
    assert numbers(customer, "ttery")[0] == set()


def test_without_a_search_each_list_keeps_its_tickets(client_for, alice, tickets):
    customer = client_for(alice)
    found, html = numbers(customer, "", "archive")
    assert found == {tickets["archived"].number}
    assert "from all your lists" not in html


def test_a_customer_never_finds_an_internal_note(client_for, alice, tickets):
    assert numbers(client_for(alice), "zanzibar")[0] == set()
    assert numbers(client_for(alice), "protocol applied")[0] == set()


def test_a_customer_never_finds_another_organizations_ticket(client_for, alice, bob, tickets):
    customer = client_for(alice)
    theirs = tickets["theirs"]
    for q in ("zeppelin", "Secret plans", str(theirs.number), f"#{theirs.number}", "Globex"):
        found, html = numbers(customer, q)
        assert found == set(), q
        assert "hangar" not in html
    # A colleague who is not a manager: not even alice's tickets.
    assert numbers(client_for(bob), "battery")[0] == set()
    assert numbers(client_for(bob), str(tickets["archived"].number))[0] == set()


def test_the_htmx_list_is_searched_the_same(client_for, alice, tickets):
    found, html = numbers(
        client_for(alice), "battery", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-list"
    )
    assert found == {tickets["archived"].number}
    assert html.lstrip().startswith('<div id="ticket-list">')


def test_the_search_costs_the_same_whatever_it_finds(client_for, alice, agnes):
    customer = client_for(alice)

    def count():
        with CaptureQueriesContext(connection) as captured:
            customer.get(LIST, {"q": "scanner"})
        return len(captured)

    make_ticket(alice, subject="Scanner one")
    few = count()
    for n in range(6):
        ticket = make_ticket(alice, subject=f"Scanner {n}")
        services.ticket_reply(ticket=ticket, author=agnes, body="scanner driver")
    assert count() == few
