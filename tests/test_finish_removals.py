"""Issue 20, §4: a team manager asks to remove a colleague who left; the support team
approves (the account is deactivated, history kept, both emailed) or declines with a
reason. A manager asks only for their own company's client users."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecmp.accounts.models import AuditEvent, RemovalRequest, User
from ecmp.accounts.removals import (
    removal_request_approve,
    removal_request_create,
    removal_request_decline,
)
from ecmp.tickets.models import Ticket
from tests.factories import make_ticket

TEAM = reverse("portal:team-requests")


def ask(client, person, reason="Left the company on Friday"):
    return client.post(
        reverse("portal:team-removal-request", args=[person.pk]), {"reason": reason}, follow=True
    )


def test_the_team_page_lists_colleagues_to_remove(client_for, alice, bob, carol, agnes):
    html = client_for(alice).get(TEAM).content.decode()
    assert "Bob Durand" in html
    assert reverse("portal:team-removal-request", args=[bob.pk]) in html
    assert reverse("portal:team-removal-request", args=[alice.pk]) not in html  # not herself
    assert "Carol Smith" not in html and "Agnes Agent" not in html


def test_a_manager_asks_and_an_agent_approves(
    client_for, alice, bob, agnes, django_capture_on_commit_callbacks
):
    ticket = make_ticket(bob)
    response = ask(client_for(alice), bob)
    assert "Your request to remove Bob Durand was sent to the support team." in (
        response.content.decode()
    )
    removal = RemovalRequest.objects.get()
    assert (removal.person, removal.requested_by, removal.organization) == (
        bob,
        alice,
        alice.organization,
    )
    assert removal.reason == "Left the company on Friday"
    assert "Removal requested" in client_for(alice).get(TEAM).content.decode()

    desk = client_for(agnes)
    page = desk.get(reverse("desk:removal-requests")).content.decode()
    assert "Bob Durand" in page and "Left the company on Friday" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(reverse("desk:removal-approve", args=[removal.pk]), follow=True)
    assert "The account of Bob Durand is closed" in response.content.decode()
    bob.refresh_from_db()
    removal.refresh_from_db()
    assert not bob.is_active
    assert removal.status == RemovalRequest.Status.APPROVED and removal.decided_by == agnes
    # History kept: the account and its tickets stay; the deactivation is audited.
    assert User.objects.filter(pk=bob.pk).exists()
    assert Ticket.objects.get(pk=ticket.pk).requester_id == bob.pk
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_DEACTIVATED)
    assert event.actor == agnes and event.target_id == str(bob.pk)
    to = {tuple(message.to) for message in mail.outbox}
    assert ("alice@acme.test",) in to and ("bob@acme.test",) in to
    # The person can no longer use the portal.
    assert client_for(bob).get(reverse("portal:dashboard")).status_code == 302
    # Answered once only.
    desk.post(reverse("desk:removal-approve", args=[removal.pk]))
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_DEACTIVATED).count() == 1


def test_an_agent_declines_with_a_reason(
    client_for, alice, bob, agnes, django_capture_on_commit_callbacks
):
    ask(client_for(alice), bob)
    removal = RemovalRequest.objects.get()
    desk = client_for(agnes)
    desk.post(reverse("desk:removal-decline", args=[removal.pk]), {"reason": " "})
    removal.refresh_from_db()
    assert removal.status == RemovalRequest.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:removal-decline", args=[removal.pk]), {"reason": "He is back Monday"}
        )
    removal.refresh_from_db()
    bob.refresh_from_db()
    assert removal.status == RemovalRequest.Status.DECLINED
    assert removal.decline_reason == "He is back Monday"
    assert bob.is_active
    assert [message.to for message in mail.outbox] == [["alice@acme.test"]]
    assert "He is back Monday" in mail.outbox[0].body
    assert "He is back Monday" in client_for(alice).get(TEAM).content.decode()


def test_a_reason_is_required_and_a_request_waits_once(client_for, alice, bob):
    client = client_for(alice)
    response = ask(client, bob, reason="   ")
    assert "Please tell the support team why." in response.content.decode()
    assert not RemovalRequest.objects.exists()
    ask(client, bob)
    response = ask(client, bob)
    assert "already waiting for an answer" in response.content.decode()
    assert RemovalRequest.objects.count() == 1


@pytest.mark.parametrize("who", ("carol", "agnes", "alice"))
def test_a_manager_asks_only_for_own_company_colleagues(client_for, alice, carol, agnes, who):
    person = {"carol": carol, "agnes": agnes, "alice": alice}[who]
    response = client_for(alice).post(
        reverse("portal:team-removal-request", args=[person.pk]), {"reason": "Gone"}
    )
    assert response.status_code == 404
    assert not RemovalRequest.objects.exists()


def test_only_a_team_manager_may_ask(client_for, bob, alice):
    response = client_for(bob).post(
        reverse("portal:team-removal-request", args=[alice.pk]), {"reason": "Gone"}
    )
    assert response.status_code == 403
    assert not RemovalRequest.objects.exists()


def test_a_get_changes_nothing(client_for, alice, bob):
    response = client_for(alice).get(reverse("portal:team-removal-request", args=[bob.pk]))
    assert response.status_code == 405


def test_the_service_refuses_what_the_page_does_not_offer(alice, bob, carol, agnes):
    with pytest.raises(PermissionDenied):
        removal_request_create(manager=alice, person=carol, reason="x")
    with pytest.raises(PermissionDenied):
        removal_request_create(manager=alice, person=agnes, reason="x")
    with pytest.raises(PermissionDenied):
        removal_request_create(manager=bob, person=alice, reason="x")  # bob manages no team
    with pytest.raises(ValidationError):
        removal_request_create(manager=alice, person=alice, reason="x")
    removal = removal_request_create(manager=alice, person=bob, reason="Left")
    with pytest.raises(PermissionDenied):
        removal_request_approve(request=removal, by=alice)  # customers never answer
    with pytest.raises(PermissionDenied):
        removal_request_decline(request=removal, by=bob, reason="no")
    bob.refresh_from_db()
    assert bob.is_active


def test_customers_cannot_reach_the_desk_pages(client_for, alice, bob):
    removal = removal_request_create(manager=alice, person=bob, reason="Left")
    client = client_for(alice)
    assert client.get(reverse("desk:removal-requests")).status_code in (302, 403)
    client.post(reverse("desk:removal-approve", args=[removal.pk]))
    bob.refresh_from_db()
    assert bob.is_active


def test_a_person_moved_since_the_request_is_not_deactivated(alice, bob, globex, agnes):
    removal = removal_request_create(manager=alice, person=bob, reason="Left")
    User.objects.filter(pk=bob.pk).update(organization=globex)
    with pytest.raises(ValidationError):
        removal_request_approve(request=removal, by=agnes)
    bob.refresh_from_db()
    assert bob.is_active


def test_the_team_page_reads_in_constant_queries(
    client_for, alice, acme, django_assert_max_num_queries
):
    from tests.factories import UserFactory

    client = client_for(alice)
    client.get(TEAM)
    with django_assert_max_num_queries(12) as few:
        client.get(TEAM)
    for n in range(5):
        person = UserFactory(email=f"p{n}@acme.test", organization=acme)
        removal_request_create(manager=alice, person=person, reason="Left")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(TEAM)


def test_a_pending_removal_is_counted_in_the_desk_menu(client_for, alice, bob, agnes):
    from ecmp.desk.menu import _PageCounts

    assert _PageCounts(agnes).alerts()["registration_requests"] == 0
    removal_request_create(manager=alice, person=bob, reason="Left")
    assert _PageCounts(agnes).alerts()["registration_requests"] == 1
    page = client_for(agnes).get(reverse("desk:registration-requests")).content.decode()
    assert reverse("desk:removal-requests") in page
    assert "1 pending" in page


def test_erasing_the_person_forgets_the_reasons_and_keeps_the_request(alice, bob, adam, agnes):
    from ecmp.privacy.erasure import person_erase

    removal = removal_request_create(manager=alice, person=bob, reason="Bob Durand left")
    removal_request_decline(request=removal, by=agnes, reason="Bob Durand is back")
    person_erase(user=bob, by=adam)
    removal.refresh_from_db()
    assert removal.person_id == bob.pk
    assert (removal.reason, removal.decline_reason) == ("", "")
    assert removal.status == RemovalRequest.Status.DECLINED
