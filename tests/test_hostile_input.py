"""Crafted input found by review: each gets an answer, never a 500, and changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ecmp.accounts import services as accounts
from ecmp.accounts.models import RegistrationRequest, Role
from ecmp.notifications.selectors import notification_unread_count_for
from ecmp.tickets import services
from ecmp.tickets.selectors import parse_number
from tests.factories import make_ticket


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1001", 1001),
        ("#1001", 1001),
        (" 42 ", 42),
        ("²", None),
        ("1²", None),
        ("١٢", None),
        ("9" * 10, None),
        ("", None),
        (None, None),
        ("-1", None),
        ("1e3", None),
    ],
)
def test_only_plain_digits_make_a_number(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("q", ["²", "#²", "a\x00b", "%", "#1001&sort=x", "9" * 30])
def test_odd_searches_answer_normally(client_for, alice, agnes, q):
    make_ticket(alice)
    assert client_for(alice).get(reverse("portal:service-desk"), {"q": q}).status_code == 200
    desk = client_for(agnes)
    assert desk.get(reverse("desk:queue"), {"q": q}).status_code == 200
    assert desk.get(reverse("desk:organizations"), {"q": q}).status_code == 200
    assert desk.get(reverse("desk:jump"), {"number": q}).status_code == 302


@pytest.mark.parametrize("version", ["²", "1" * 5000, "-3", "abc"])
def test_odd_versions_are_ignored_not_fatal(client_for, alice, agnes, version):
    ticket = make_ticket(alice)
    url = reverse("desk:ticket-action", args=[ticket.number, "accept"])
    assert client_for(agnes).post(url, {"version": version}).status_code == 302


def test_sort_links_keep_the_search(client_for, alice):
    ticket = make_ticket(alice)
    html = client_for(alice).get(reverse("portal:service-desk"), {"q": f"#{ticket.number}"})
    assert "q=%23" in html.content.decode()


def test_an_internal_note_does_not_move_the_last_activity(alice, agnes):
    ticket = make_ticket(alice)
    before = ticket.last_activity_at
    services.ticket_reply(ticket=ticket, author=agnes, body="secret", internal=True)
    ticket.refresh_from_db()
    assert ticket.last_activity_at == before


def test_a_declined_colleague_can_be_asked_for_again(alice, agnes):
    first = accounts.registration_request_create(
        manager=alice, full_name="Zed", email="z@acme.test"
    )
    accounts.registration_request_decline(request=first, by=agnes, reason="Not yet")
    again = accounts.registration_request_create(
        manager=alice, full_name="Zed", email="z@acme.test"
    )
    assert again.status == RegistrationRequest.Status.PENDING


def test_a_manager_cannot_probe_addresses_of_other_companies(client_for, alice, carol, adam):
    client = client_for(alice)
    for email in (carol.email, adam.email):
        response = client.post(
            reverse("portal:team-requests"), {"full_name": "Probe", "email": email}
        )
        assert response.status_code == 302  # taken like any request, no tell-tale
    assert RegistrationRequest.objects.count() == 2
    listing = client_for(adam).get(reverse("desk:registration-requests")).content.decode()
    assert "This address is already registered" in listing


def test_agents_cannot_handle_staff_invitations(agnes, adam):
    newcomer = accounts.user_register(
        by=adam, email="n@support.test", full_name="N", role=Role.AGENT
    )
    with pytest.raises(PermissionDenied):
        accounts.invitation_revoke(user=newcomer, by=agnes)
    with pytest.raises(PermissionDenied):
        accounts.invitation_send(user=newcomer, by=agnes)


def test_notifications_follow_what_the_user_may_see(
    alice, agnes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(alice)
    assert notification_unread_count_for(agnes) == 1
    # An agent who becomes a customer no longer sees the ticket, nor news of it.
    agnes.role = Role.CUSTOMER
    agnes.organization = ticket.organization
    agnes.save()
    assert notification_unread_count_for(agnes) == 0
