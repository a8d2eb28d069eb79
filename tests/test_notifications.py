"""The bell, "Mark as viewed", and opening a ticket from a notification."""

import pytest
from django.urls import reverse

from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.status import Status
from tests.factories import make_ticket


@pytest.fixture
def accepted(alice, agnes, django_capture_on_commit_callbacks):
    """Alice's ticket, accepted by an agent: one notification for Alice."""
    ticket = make_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN)
    return ticket


def bell_count(client):
    html = client.get(reverse("portal:notification-bell")).content.decode()
    if "data-unread" not in html:
        return 0
    return int(html.split('data-unread="')[1].split('"')[0])


def test_the_bell_counts_unread_notifications(client_for, alice, accepted):
    client = client_for(alice)
    assert bell_count(client) == 1
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert 'data-unread="1"' in page
    assert "Status changed from New to Open" in page


def test_the_bell_is_a_fragment_that_htmx_refreshes(client_for, alice, accepted):
    html = client_for(alice).get(reverse("portal:notification-bell")).content.decode()
    assert "<html" not in html and 'hx-trigger="every 30s' in html


def test_mark_as_viewed_takes_one_off_the_count(
    client_for, alice, agnes, accepted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=accepted, actor=agnes, status=Status.WAIT)
    client = client_for(alice)
    assert bell_count(client) == 2
    first = Notification.objects.filter(recipient=alice).first()
    response = client.post(reverse("portal:notification-mark-viewed", args=[first.pk]))
    assert response.status_code == 302
    assert bell_count(client) == 1


def test_mark_all_as_viewed(client_for, alice, agnes, accepted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=accepted, actor=agnes, status=Status.WAIT)
    client = client_for(alice)
    client.post(reverse("portal:notifications-mark-all-viewed"))
    assert bell_count(client) == 0
    assert "Mark as viewed" not in client.get(reverse("portal:notifications")).content.decode()


def test_opening_the_ticket_from_a_notification_marks_it_viewed(client_for, alice, accepted):
    client = client_for(alice)
    notification = Notification.objects.get()
    response = client.post(reverse("portal:notification-open", args=[notification.pk]))
    assert response.url == reverse("portal:ticket-detail", args=[accepted.number])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_viewing_pages_never_marks_anything(client_for, alice, accepted):
    # Only opening the ticket itself does (tests/test_alerts_viewed.py).
    client = client_for(alice)
    for url in (reverse("portal:notifications"), reverse("portal:dashboard")):
        client.get(url)
    assert bell_count(client) == 1


def test_marking_is_post_only(client_for, alice, accepted):
    notification = Notification.objects.get()
    client = client_for(alice)
    assert (
        client.get(reverse("portal:notification-mark-viewed", args=[notification.pk])).status_code
        == 405
    )
    assert client.get(reverse("portal:notifications-mark-all-viewed")).status_code == 405


def test_a_dispatch_run_twice_notifies_once(alice, accepted):
    from ecmp.tickets.tasks import event_dispatch

    event = accepted.events.get(kind="status")
    event_dispatch.call(event.pk)
    event_dispatch.call(event.pk)
    assert Notification.objects.filter(event=event).count() == 1
