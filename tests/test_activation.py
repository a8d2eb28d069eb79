"""The welcome email's "To the portal" link: choose a password, then the Dashboard."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts import services
from ecmp.accounts.models import Invitation, Role
from tests.helpers import activation_path_for, last_link

GOOD = "Bright-Meadow-42"


@pytest.fixture
def newcomer(agnes, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.user_register(
            by=agnes, email="Newcomer@Acme.test", full_name="Nina Newcomer", organization=acme
        )


@pytest.fixture
def link(newcomer):
    return last_link("/accounts/activate/")


def test_registering_sends_the_welcome_email_with_to_the_portal(newcomer):
    assert newcomer.email == "newcomer@acme.test"
    assert not newcomer.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == ["newcomer@acme.test"]
    assert "To the portal" in message.body
    html = message.alternatives[0][0]
    assert "To the portal" in html


def test_the_link_only_stores_a_hash_of_its_token(newcomer, link):
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get(user=newcomer)
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def test_the_page_asks_for_password_and_confirmation_with_send(client, link):
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="password1"' in html and 'name="password2"' in html
    assert ">Send<" in html


def test_a_valid_password_signs_in_and_lands_on_the_dashboard(client, newcomer, link):
    response = client.post(link, {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 302
    assert response.url == reverse("portal:dashboard")
    dashboard = client.get(response.url)
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user == newcomer
    newcomer.refresh_from_db()
    assert newcomer.check_password(GOOD)
    assert newcomer.activated_at is not None


def test_looking_at_the_page_does_not_use_the_link(client, newcomer, link):
    client.get(link)
    client.get(link)
    assert Invitation.objects.get(user=newcomer).accepted_at is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt!", "at least 8 characters"),
        ("NOLOWER-123", "at least one lowercase letter"),
        ("noupper-123", "at least one uppercase letter"),
        ("No-Digits-Here", "at least one digit"),
        ("NoSpecial123", "at least one special character"),
    ],
)
def test_each_password_rule_is_refused_with_its_message(client, newcomer, link, password, message):
    response = client.post(link, {"password1": password, "password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()
    assert Invitation.objects.get(user=newcomer).accepted_at is None
    assert "_auth_user_id" not in client.session


def test_a_password_like_the_email_is_refused(client, newcomer, link):
    response = client.post(link, {"password1": "Newcomer@Acme1", "password2": "Newcomer@Acme1"})
    assert "too similar" in response.content.decode()


def test_mismatched_passwords_are_refused(client, newcomer, link):
    response = client.post(link, {"password1": GOOD, "password2": GOOD + "x"})
    assert "The two passwords do not match." in response.content.decode()
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_a_used_link_says_so_with_410(client, newcomer, link):
    client.post(link, {"password1": GOOD, "password2": GOOD})
    client.post(reverse("accounts:logout"))
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    posted = client.post(link, {"password1": "Other-Pass-99", "password2": "Other-Pass-99"})
    assert posted.status_code == 410
    newcomer.refresh_from_db()
    assert newcomer.check_password(GOOD)


def test_an_expired_link_says_so_and_offers_a_new_one(
    client, newcomer, link, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(user=newcomer).update(expires_at=timezone.now() - timedelta(1))
    page = client.get(link)
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    posted = client.post(link, {"password1": GOOD, "password2": GOOD})
    assert posted.status_code == 410
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()

    token = link.rstrip("/").rsplit("/", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        renewed = client.post(reverse("accounts:activation-renew", args=[token]))
    assert renewed.status_code == 200
    new_link = last_link("/accounts/activate/")
    assert new_link != link
    assert mail.outbox[-1].to == ["newcomer@acme.test"]
    assert client.get(new_link).status_code == 200


def test_renewing_a_valid_link_sends_nothing(client, newcomer, link):
    token = link.rstrip("/").rsplit("/", 1)[-1]
    sent = len(mail.outbox)
    response = client.post(reverse("accounts:activation-renew", args=[token]))
    assert response.status_code == 410
    assert len(mail.outbox) == sent


def test_an_older_link_stops_working_when_a_new_one_is_sent(
    client, newcomer, link, agnes, django_capture_on_commit_callbacks
):
    newer = activation_path_for(newcomer, agnes, django_capture_on_commit_callbacks)
    assert client.get(link).status_code == 410
    assert client.get(newer).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "x" * 300, "%00", "a" * 43])
def test_an_unknown_or_tampered_link_is_a_404_that_says_what_to_do(client, link, token):
    response = client.get(f"/accounts/activate/{token}/")
    assert response.status_code == 404
    assert "new invitation" in response.content.decode()


def test_a_tampered_copy_of_a_real_link_is_404(client, newcomer, link):
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, {"password1": GOOD, "password2": GOOD}).status_code == 404
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_agents_cannot_register_agents_but_admins_can(agnes, adam):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.user_register(by=agnes, email="x@support.test", full_name="X", role=Role.AGENT)
    agent = services.user_register(by=adam, email="x@support.test", full_name="X", role=Role.AGENT)
    assert agent.role == Role.AGENT and agent.organization is None


def test_a_customer_cannot_register_anybody(alice, acme):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.user_register(by=alice, email="y@acme.test", full_name="Y", organization=acme)
