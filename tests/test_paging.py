"""Long lists count no further than a cap (CappedPaginator)."""

import pytest
from django.urls import reverse

from ecmp.core.paging import CappedPaginator
from ecmp.tickets.models import Ticket
from tests.factories import make_ticket


@pytest.fixture
def tickets(alice):
    return [make_ticket(alice, subject=f"Ticket {n}") for n in range(7)]


def test_counts_up_to_the_cap(tickets, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 4)
    paginator = CappedPaginator(Ticket.objects.order_by("number"), 2)
    assert paginator.count == 5 and paginator.capped
    assert paginator.num_pages == 2
    assert [t.subject for t in paginator.get_page(99)] == ["Ticket 2", "Ticket 3"]


def test_below_the_cap_it_is_an_ordinary_paginator(tickets, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 100)
    paginator = CappedPaginator(Ticket.objects.order_by("number"), 2)
    assert paginator.count == 7 and not paginator.capped
    assert paginator.num_pages == 4


def test_the_desk_queue_says_more_than(tickets, client_for, agnes, monkeypatch, settings):
    monkeypatch.setattr(CappedPaginator, "cap", 4)
    settings.ECMP_LIST_PAGE_SIZE = 2
    html = client_for(agnes).get(reverse("desk:queue"), {"queue": "open"}).content.decode()
    assert "Page 1 of more than 2" in html
    monkeypatch.setattr(CappedPaginator, "cap", 100)
    html = client_for(agnes).get(reverse("desk:queue"), {"queue": "open"}).content.decode()
    assert "Page 1 of 4" in html
