"""Issue 18 §6: opening a ticket marks its notifications viewed, for whoever opens it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.notifications.models import Notification
from ecmp.notifications.services import notification_mark_viewed_for_ticket
from ecmp.tickets import services
from ecmp.tickets.status import Status
from tests.factories import make_ticket


def bell_count(client):
    html = client.get(reverse("portal:notification-bell")).content.decode()
    if "data-unread" not in html:
        return 0
    return int(html.split('data-unread="')[1].split('"')[0])


@pytest.fixture
def two_tickets(alice, agnes, run_on_commit):
    """Two of Alice's tickets, each accepted: a notification each for Alice."""
    tickets = [make_ticket(alice, subject=s) for s in ("First", "Second")]
    for ticket in tickets:
        run_on_commit(lambda t=ticket: services.ticket_accept(ticket=t, actor=agnes))
    return tickets


def test_opening_a_ticket_in_the_portal_marks_its_notifications_viewed(
    client_for, alice, two_tickets
):
    client = client_for(alice)
    assert bell_count(client) == 2
    page = client.get(reverse("portal:ticket-detail", args=[two_tickets[0].number]))
    # The page's own bell already follows.
    assert 'data-unread="1"' in page.content.decode()
    assert bell_count(client) == 1
    unread = Notification.objects.filter(recipient=alice, read_at=None)
    assert list(unread.values_list("ticket", flat=True)) == [two_tickets[1].pk]


def test_opening_a_ticket_in_the_desk_marks_the_agents_notifications_viewed(
    client_for, alice, agnes, adam, run_on_commit
):
    ticket = run_on_commit(lambda: make_ticket(alice))
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=alice, body="More"))
    assert Notification.objects.filter(recipient=agnes, read_at=None).count() == 2
    client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    assert not Notification.objects.filter(recipient=agnes, read_at=None).exists()
    # Only the one who opened it: the admin's stay unread.
    assert Notification.objects.filter(recipient=adam, read_at=None).count() == 2


def test_marking_a_ticket_viewed_is_one_update_and_nothing_when_all_are_read(alice, two_tickets):
    with CaptureQueriesContext(connection) as queries:
        assert notification_mark_viewed_for_ticket(user=alice, ticket=two_tickets[0]) == 1
    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "UPDATE"]
    # Viewed again: a read (compiled once per process), no write.
    with CaptureQueriesContext(connection) as queries:
        assert notification_mark_viewed_for_ticket(user=alice, ticket=two_tickets[0]) == 0
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"]


def test_an_outsider_opening_the_ticket_gets_404_and_marks_nothing(
    client_for, carol, alice, two_tickets
):
    response = client_for(carol).get(reverse("portal:ticket-detail", args=[two_tickets[0].number]))
    assert response.status_code == 404
    assert Notification.objects.filter(recipient=alice, read_at=None).count() == 2


def test_a_closed_ticket_viewed_keeps_its_status(client_for, alice, agnes, two_tickets):
    services.ticket_transition(ticket=two_tickets[0], actor=agnes, status=Status.CLOSED)
    client_for(alice).get(reverse("portal:ticket-detail", args=[two_tickets[0].number]))
    two_tickets[0].refresh_from_db()
    assert two_tickets[0].status == Status.CLOSED
