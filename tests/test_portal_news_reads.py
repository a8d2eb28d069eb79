"""The customer's dashboard and notifications page read by statements compiled once
per process (tickets/dashboard_reads.py, notifications/list_reads.py): they give
what the selectors give through the ORM, to the same people only, and the pages
write them."""

import pytest
from django.urls import reverse

from ecmp.accounts.models import User
from ecmp.notifications.list_reads import ROW, notification_count, notification_rows
from ecmp.notifications.models import Notification
from ecmp.notifications.selectors import notification_list_for
from ecmp.tickets import services
from ecmp.tickets.dashboard_reads import EVENT, recent_events, status_counts
from ecmp.tickets.models import TicketEvent
from ecmp.tickets.selectors import recent_events_for_customer, ticket_status_counts_for
from ecmp.tickets.services.followers import follower_add
from ecmp.tickets.status import Status
from tests.factories import make_ticket


@pytest.fixture
def news(alice, bob, carol, agnes):
    """Tickets of Alice, Bob and Carol, answered (one with an internal note), each
    event notified to Alice, Bob, Carol and Agnes alike (some already read)."""
    tickets = [make_ticket(alice, subject="A" * 80), make_ticket(bob), make_ticket(carol)]
    for ticket in tickets:
        services.ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN)
        services.ticket_reply(ticket=ticket, author=agnes, body="Hello")
        services.ticket_reply(ticket=ticket, author=agnes, body="Secret", internal=True)
    services.ticket_transition(ticket=tickets[1], actor=agnes, status=Status.CLOSED)
    for n, event in enumerate(TicketEvent.objects.order_by("id")):
        for person in (alice, bob, carol, agnes):
            Notification.objects.create(
                recipient=person,
                ticket_id=event.ticket_id,
                event=event,
                created_at=event.created_at,
                read_at=event.created_at if n % 3 == 0 else None,
            )
    return tickets


def _fresh(user: User) -> User:
    return User.objects.select_related("organization").get(pk=user.pk)


def _people(*people):
    return [_fresh(p) for p in people]


@pytest.mark.parametrize("sees_all", [False, True])
def test_notifications_as_the_selector_gives_them(news, alice, bob, carol, agnes, sees_all):
    alice.organization.managers_see_all_tickets = sees_all
    alice.organization.save()
    for user in _people(alice, bob, carol, agnes):
        for unread_only in (False, True):
            expected = list(notification_list_for(user, unread_only=unread_only).values_list(*ROW))
            assert expected, user  # the test reads something
            got = notification_rows(user, unread_only=unread_only, size=4)
            assert [tuple(row) for row in got] == expected[:4]
            later = notification_rows(user, unread_only=unread_only, offset=4, size=4)
            assert [tuple(row) for row in later] == expected[4:8]
            assert notification_count(user, unread_only=unread_only) == len(expected)
    # Alice sees her colleague's ticket only when a manager who sees all; Carol never Acme's.
    carol_rows = notification_rows(_fresh(carol), size=100)
    assert carol_rows and all(row.number == news[2].number for row in carol_rows)
    alice_numbers = {row.number for row in notification_rows(_fresh(alice), size=100)}
    assert alice_numbers == ({news[0].number, news[1].number} if sees_all else {news[0].number})


@pytest.mark.parametrize("sees_all", [False, True])
def test_latest_activity_and_counts_as_the_selectors_give_them(
    news, alice, bob, carol, agnes, sees_all
):
    alice.organization.managers_see_all_tickets = sees_all
    alice.organization.save()
    for user in _people(alice, bob, carol):
        expected = list(recent_events_for_customer(user, limit=3).values_list(*EVENT))
        assert expected
        assert [tuple(row) for row in recent_events(user, limit=3)] == expected
        assert all(row.kind != "note" for row in recent_events(user, limit=50))
        assert status_counts(user) == ticket_status_counts_for(user)
    # A follower's counts (the ORM's statement with the followed tickets).
    follower_add(ticket=news[0], user=_fresh(bob), by=_fresh(alice))
    bob_now = _fresh(bob)
    assert status_counts(bob_now) == ticket_status_counts_for(bob_now)
    assert status_counts(bob_now)[Status.OPEN] == 1  # Alice's ticket, followed
    inactive = _fresh(carol)
    inactive.is_active = False
    assert recent_events(inactive, limit=8) == []
    assert status_counts(inactive) == ticket_status_counts_for(inactive)


def test_the_pages_write_them(client_for, news, alice):
    client = client_for(alice)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "A" * 59 + "…" in html and "A" * 61 not in html
    assert "Status changed from New to Open" in html and "Secret" not in html
    assert 'name="next" value="/portal/"' in html
    unread = notification_list_for(alice, unread_only=True)
    assert reverse("portal:notification-mark-viewed", args=[unread[0].pk]) in html
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "Viewed" in page and "Mark as viewed" in page
    assert 'name="next" value="/portal/notifications/"' in page
    assert 'data-count="open">1<' in html


@pytest.mark.parametrize(
    "text",
    ["", "Printer", "A" * 49, "A" * 50, "A" * 51, "e\u0301" * 30, "é" * 50, "<b>&amp;</b>" * 3],
)
def test_subjects_shortened_as_truncatechars_shortens_them(text):
    from django.template.defaultfilters import truncatechars

    from ecmp.core.presentation import short

    assert short(text, 50) == truncatechars(text, 50)
    assert short(text, 60) == truncatechars(text, 60)
