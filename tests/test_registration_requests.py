"""A team manager asks for a colleague; the support team approves or declines."""

import pytest
from django.core import mail
from django.urls import reverse

from ecmp.accounts.models import RegistrationRequest, User
from tests.helpers import last_link

TEAM = reverse("portal:team-requests")
DESK_REQUESTS = reverse("desk:registration-requests")


def ask(client, name="Paul Petit", email="paul@acme.test"):
    return client.post(TEAM, {"full_name": name, "email": email, "note": "Joins on Monday"})


def test_from_request_to_activation(
    client_for, alice, agnes, client, django_capture_on_commit_callbacks
):
    manager = client_for(alice)
    assert ask(manager).status_code == 302
    request = RegistrationRequest.objects.get()
    assert request.organization == alice.organization
    assert request.status == RegistrationRequest.Status.PENDING

    desk = client_for(agnes)
    listing = desk.get(DESK_REQUESTS).content.decode()
    assert "Paul Petit" in listing and "Joins on Monday" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(reverse("desk:registration-request-approve", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RegistrationRequest.Status.APPROVED
    paul = User.objects.get(email="paul@acme.test")
    assert paul.organization == alice.organization and not paul.is_team_manager

    recipients = [m.to[0] for m in mail.outbox]
    assert "paul@acme.test" in recipients and "alice@acme.test" in recipients
    invitation = next(m for m in mail.outbox if m.to == ["paul@acme.test"])
    mail.outbox[:] = [invitation]
    link = last_link("/accounts/activate/")
    password = "Sunny-Harbor-63"
    done = client.post(link, {"password1": password, "password2": password})
    assert done.status_code == 302
    paul.refresh_from_db()
    assert paul.check_password(password)
    assert "Approved" in manager.get(TEAM).content.decode()


def test_a_declined_request_shows_its_reason_to_the_manager(client_for, alice, agnes):
    manager = client_for(alice)
    ask(manager)
    request = RegistrationRequest.objects.get()
    desk = client_for(agnes)
    desk.post(
        reverse("desk:registration-request-decline", args=[request.pk]),
        {"reason": "Your contract covers 5 users."},
    )
    request.refresh_from_db()
    assert request.status == RegistrationRequest.Status.DECLINED
    assert not User.objects.filter(email="paul@acme.test").exists()
    page = manager.get(TEAM).content.decode()
    assert "Declined" in page and "Your contract covers 5 users." in page


def test_declining_needs_a_reason(client_for, alice, agnes):
    ask(client_for(alice))
    request = RegistrationRequest.objects.get()
    client_for(agnes).post(
        reverse("desk:registration-request-decline", args=[request.pk]), {"reason": "  "}
    )
    request.refresh_from_db()
    assert request.status == RegistrationRequest.Status.PENDING


def test_a_request_is_answered_once(client_for, alice, agnes):
    ask(client_for(alice))
    request = RegistrationRequest.objects.get()
    desk = client_for(agnes)
    desk.post(reverse("desk:registration-request-decline", args=[request.pk]), {"reason": "No"})
    desk.post(reverse("desk:registration-request-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == RegistrationRequest.Status.DECLINED
    assert not User.objects.filter(email="paul@acme.test").exists()


def test_an_existing_address_is_refused_with_a_message(client_for, alice, bob):
    response = ask(client_for(alice), name="Bob again", email="BOB@acme.test")
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not RegistrationRequest.objects.exists()


def test_a_second_pending_request_for_the_same_address_is_refused(client_for, alice):
    manager = client_for(alice)
    ask(manager)
    response = ask(manager)
    assert "already waiting" in response.content.decode()
    assert RegistrationRequest.objects.count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"full_name": "", "email": "x@acme.test"}, {"full_name": "X", "email": "nope"}]
)
def test_bad_input_changes_nothing(client_for, alice, data):
    response = client_for(alice).post(TEAM, data)
    assert response.status_code == 200
    assert not RegistrationRequest.objects.exists()


def test_a_customer_who_is_not_a_manager_cannot_ask(client_for, bob):
    client = client_for(bob)
    assert client.get(TEAM).status_code == 403
    assert ask(client).status_code == 403
    assert not RegistrationRequest.objects.exists()


def test_managers_see_only_their_own_companys_requests(client_for, alice, carol):
    carol.is_team_manager = True
    carol.save()
    ask(client_for(carol), name="Gary Globex", email="gary@globex.test")
    page = client_for(alice).get(TEAM).content.decode()
    assert "Gary Globex" not in page
