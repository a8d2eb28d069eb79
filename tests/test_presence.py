"""Presence on the desk ticket page (issue 18 §5): "Alice is viewing" / "Alice is
typing a reply", by htmx polling, so that two agents do not answer at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.core.periodic import schedule
from ecmp.tickets.models import TicketPresence
from ecmp.tickets.presence_selectors import PRESENCE_WINDOW, presence_list_for_ticket
from ecmp.tickets.services.presence import presence_touch, presences_expire
from tests.conftest import AUTH_BACKEND
from tests.factories import AgentFactory, make_ticket


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


@pytest.fixture
def bruno(db):
    """A second agent, on the same ticket as agnes."""
    return AgentFactory(email="bruno@support.test", full_name="Bruno Bernard")


def poll(client, ticket, **data):
    return client.post(reverse("desk:ticket-presence", args=[ticket.number]), data)


def shown(response):
    assert response.status_code == 200
    return response.content.decode()


def test_an_agent_sees_a_colleague_viewing_the_ticket(client_for, ticket, agnes, bruno):
    assert "is viewing" not in shown(poll(client_for(agnes), ticket))
    page = shown(poll(client_for(bruno), ticket))
    assert "Agnes Agent is viewing" in page
    assert "data-presence-list" in page
    # The fragment is the block alone: not the page around it.
    assert "<html" not in page and "ticket-presence" not in page


def test_a_colleague_typing_is_shown_as_typing_then_viewing_again(client_for, ticket, agnes, bruno):
    poll(client_for(agnes), ticket, typing="on")
    page = shown(poll(client_for(bruno), ticket))
    assert "Agnes Agent is typing a reply" in page
    assert "Agnes Agent is viewing" not in page
    poll(client_for(agnes), ticket)  # the composer left alone for a while
    page = shown(poll(client_for(bruno), ticket))
    assert "Agnes Agent is viewing" in page
    assert "is typing" not in page


def test_one_row_per_agent_and_ticket_refreshed_by_each_poll(client_for, ticket, agnes):
    desk = client_for(agnes)
    poll(desk, ticket, typing="on")
    TicketPresence.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    poll(desk, ticket)
    row = TicketPresence.objects.get()
    assert (row.ticket, row.user, row.typing) == (ticket, agnes, False)
    assert timezone.now() - row.seen_at < PRESENCE_WINDOW


def test_a_colleague_not_seen_within_the_window_has_left(client_for, ticket, agnes, bruno):
    poll(client_for(agnes), ticket, typing="on")
    TicketPresence.objects.filter(user=agnes).update(
        seen_at=timezone.now() - PRESENCE_WINDOW - timedelta(seconds=1)
    )
    page = shown(poll(client_for(bruno), ticket))
    assert "Agnes" not in page


def test_an_agent_does_not_see_themselves(client_for, ticket, agnes):
    desk = client_for(agnes)
    poll(desk, ticket, typing="on")
    page = shown(poll(desk, ticket, typing="on"))
    assert "Agnes" not in page and "is typing" not in page


def test_presence_on_another_ticket_does_not_show(client_for, alice, ticket, agnes, bruno):
    other = make_ticket(alice, subject="Another one")
    poll(client_for(agnes), other, typing="on")
    page = shown(poll(client_for(bruno), ticket))
    assert "Agnes" not in page
    assert "Bruno" not in shown(poll(client_for(agnes), other))
    assert "Bruno Bernard is viewing" in shown(poll(client_for(agnes), ticket))


def test_a_deactivated_agent_is_not_shown(client_for, ticket, agnes, bruno):
    poll(client_for(agnes), ticket)
    agnes.is_active = False
    agnes.save(update_fields=["is_active"])
    assert "Agnes" not in shown(poll(client_for(bruno), ticket))


def test_customers_are_refused_and_leave_no_presence(client_for, ticket, alice, carol, bruno):
    for customer in (alice, carol):
        response = poll(client_for(customer), ticket)
        assert response.status_code in (403, 404)
        assert "is viewing" not in response.content.decode()
    assert not TicketPresence.objects.exists()
    assert "Alice" not in shown(poll(client_for(bruno), ticket))


def test_the_service_refuses_a_customer(ticket, alice):
    with pytest.raises(PermissionDenied):
        presence_touch(ticket=ticket, by=alice, typing=True)
    assert not TicketPresence.objects.exists()
    assert list(presence_list_for_ticket(ticket, viewer=alice)) == []


def test_someone_signed_out_is_sent_to_sign_in(ticket):
    response = Client().post(reverse("desk:ticket-presence", args=[ticket.number]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not TicketPresence.objects.exists()


def test_an_unknown_ticket_is_not_found(client_for, agnes):
    response = client_for(agnes).post(reverse("desk:ticket-presence", args=[999999]))
    assert response.status_code == 404
    assert not TicketPresence.objects.exists()


def test_get_changes_nothing(client_for, ticket, agnes):
    response = client_for(agnes).get(reverse("desk:ticket-presence", args=[ticket.number]))
    assert response.status_code == 405
    assert not TicketPresence.objects.exists()


def test_the_poll_needs_the_csrf_token(ticket, agnes):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agnes, backend=AUTH_BACKEND)
    url = reverse("desk:ticket-presence", args=[ticket.number])
    assert client.post(url).status_code == 403
    assert not TicketPresence.objects.exists()
    page = client.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    token = client.cookies["csrftoken"].value
    # The page's area posts the token with each poll (htmx hx-vals).
    assert "csrfmiddlewaretoken" in page.split('id="ticket-presence"')[1].split(">")[0]
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 200
    assert TicketPresence.objects.filter(user=agnes).count() == 1


def test_the_ticket_page_reads_no_presence_and_loads_it_on_its_first_poll(
    client_for, ticket, agnes, bruno
):
    desk = client_for(agnes)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    desk.get(url)
    with CaptureQueriesContext(connection) as alone:
        desk.get(url)
    for n in range(3):
        poll(client_for(AgentFactory(email=f"a{n}@support.test")), ticket, typing="on")
    poll(client_for(bruno), ticket)
    with CaptureQueriesContext(connection) as watched:
        page = desk.get(url).content.decode()
    assert len(watched) == len(alone)
    assert not any("ticketpresence" in q["sql"].lower() for q in watched.captured_queries)
    assert "is viewing" not in page  # the area is empty until its first poll
    area = page.split('id="ticket-presence"')[1].split(">")[0]
    assert 'hx-trigger="load, every 15s' in area
    assert reverse("desk:ticket-presence", args=[ticket.number]) in area
    assert 'role="status"' in area


def test_the_poll_costs_the_same_queries_whoever_is_there(client_for, ticket, agnes):
    desk = client_for(agnes)
    poll(desk, ticket)
    with CaptureQueriesContext(connection) as alone:
        poll(desk, ticket)
    for n in range(6):
        poll(client_for(AgentFactory(email=f"a{n}@support.test", full_name=f"A{n}")), ticket)
    with CaptureQueriesContext(connection) as crowded:
        page = shown(poll(desk, ticket))
    assert page.count("is viewing") == 6
    assert len(crowded) == len(alone)
    presence = [q for q in crowded.captured_queries if "ticketpresence" in q["sql"].lower()]
    assert len(presence) == 2  # the upsert and the read


def test_old_rows_are_removed_by_the_periodic_job(client_for, alice, ticket, agnes, bruno):
    other = make_ticket(alice, subject="Another one")
    poll(client_for(agnes), ticket)
    poll(client_for(bruno), other)
    TicketPresence.objects.filter(user=agnes).update(
        seen_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert "expire-presences" in schedule()
    assert presences_expire() == 1
    assert list(TicketPresence.objects.values_list("user", flat=True)) == [bruno.pk]


def test_names_are_written_as_text_never_as_markup(client_for, ticket, agnes, bruno):
    agnes.full_name = "<b>Agnès</b>"
    agnes.save(update_fields=["full_name"])
    poll(client_for(agnes), ticket)
    page = shown(poll(client_for(bruno), ticket))
    assert "<b>" not in page and "&lt;b&gt;Agnès&lt;/b&gt;" in page
