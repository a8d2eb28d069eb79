"""The desk ticket page's own links are reversed once per ticket (desk/ticket_links.py):
each must be what `link` writes, under any script prefix, and each status shows its
buttons with them."""

from __future__ import annotations

import pytest
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone

from ecmp.core.presentation import link
from ecmp.desk.ticket_links import TicketLinks, ticket_links
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.services.waiting import ticket_waiting_set
from ecmp.tickets.status import Status
from tests.factories import make_ticket

NAMED = {
    "reply": "desk:ticket-reply",
    "canned_picker": "desk:canned-picker",
    "assign": "desk:ticket-assign",
    "priority": "desk:ticket-priority",
    "category": "desk:ticket-category",
    "close": "desk:ticket-close",
    "follower_add": "desk:follower-add",
    "time_add": "desk:time-add",
}
ACTIONS = ("accept", "start", "open", "reopen", "unarchive", "ask", "stop_waiting")


def _expected(number: int) -> dict[str, str]:
    expected = {field: link(view, number) for field, view in NAMED.items()}
    expected["canned_replies"] = link("desk:canned-replies")
    for name in ACTIONS:
        expected[name] = link("desk:ticket-action", number, name.replace("_", "-"))
    return expected


@pytest.mark.parametrize("prefix", ["/", "/desk-under/", "/"])
def test_each_link_is_what_link_writes(prefix):
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        for number in (1, 1001, 99999):
            links = ticket_links(number)
            assert set(TicketLinks._fields) == set(_expected(number))
            assert links._asdict() == _expected(number)
            assert links.reply.startswith(prefix)
    finally:
        set_script_prefix(before)


@pytest.mark.django_db
def test_each_status_shows_its_buttons_with_the_ticket_s_links(alice, agnes, client_for):
    desk = client_for(agnes)
    ticket = make_ticket(alice)

    def page() -> tuple[str, TicketLinks]:
        fresh = Ticket.objects.get(pk=ticket.pk)
        answer = desk.get(link("desk:ticket-detail", fresh.number))
        assert answer.status_code == 200
        return answer.text, ticket_links(fresh.number)

    def shown(html: str, *urls: str) -> bool:
        return all(f'action="{url}"' in html for url in urls)

    html, links = page()  # new
    assert shown(html, links.accept, links.start, links.ask, links.reply, links.close)
    assert not shown(html, links.reopen) and not shown(html, links.unarchive)
    services.ticket_accept(ticket=Ticket.objects.get(pk=ticket.pk), actor=agnes)
    ticket_waiting_set(ticket=Ticket.objects.get(pk=ticket.pk), actor=agnes)
    html, links = page()  # open, waiting for the customer
    assert shown(html, links.start, links.stop_waiting) and not shown(html, links.ask)
    services.ticket_transition(
        ticket=Ticket.objects.get(pk=ticket.pk), actor=agnes, status=Status.WAIT
    )
    html, links = page()
    assert shown(html, links.open)
    services.ticket_transition(
        ticket=Ticket.objects.get(pk=ticket.pk), actor=agnes, status=Status.CLOSED
    )
    html, links = page()
    assert shown(html, links.reopen) and not shown(html, links.close)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    html, links = page()
    assert shown(html, links.unarchive) and not shown(html, links.reply)
