"""Issue 20 §1: every page of a flow in the language of the person it is for, emails in
the recipient's, and the wording of the welcome email."""

from datetime import datetime

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts import services
from ecmp.mail import outbound
from ecmp.mail.models import OutboundEmail
from tests.helpers import last_link
from tests.test_signin_protection import fail_from_many_addresses

GOOD = "Bright-Meadow-42"


@pytest.fixture
def invite(agnes, acme, django_capture_on_commit_callbacks):
    """invite(language): register a newcomer in that language; (user, link)."""

    def invite_(language):
        with django_capture_on_commit_callbacks(execute=True):
            user = services.user_register(
                by=agnes,
                email=f"nina.{language}@acme.test",
                full_name="Nina Nouvelle",
                organization=acme,
                language=language,
            )
        return user, last_link("/accounts/activate/")

    return invite_


def test_the_activation_page_speaks_the_invited_persons_language(client, invite):
    _user, link = invite("fr")
    # The browser asks for English: the invitation's person reads French.
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "fr"
    assert '<html lang="fr">' in html
    assert "Choisissez votre mot de passe" in html
    assert "Choose your password" not in html


def test_the_welcome_message_after_activation_is_in_their_language(client, invite):
    user, link = invite("fr")
    response = client.post(
        link, {"password1": GOOD, "password2": GOOD}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")
    assert "Bienvenue ! Votre mot de passe est enregistré." in html
    assert "Welcome! Your password is set." not in html
    user.refresh_from_db()
    assert user.has_usable_password()


def test_a_refused_password_is_explained_in_their_language_and_changes_nothing(client, invite):
    user, link = invite("fr")
    page = client.post(
        link, {"password1": GOOD, "password2": "Other-Meadow-42"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Les deux mots de passe ne sont pas identiques." in html
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_an_english_invitation_stays_english_in_a_french_browser(client, invite):
    _user, link = invite("en")
    html = client.get(link, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Choose your password" in html and '<html lang="en">' in html


def test_a_used_link_says_so_in_their_language(client, invite):
    _user, link = invite("fr")
    client.post(link, {"password1": GOOD, "password2": GOOD})
    client.logout()
    page = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 410 and page["Content-Language"] == "fr"


def test_the_welcome_email_says_the_portals_name_once(invite, settings):
    invite("en")
    message = mail.outbox[-1]
    assert message.subject == "Welcome to the ECMP Support portal"
    assert "support support" not in message.body.lower()
    assert "You have been registered on the ECMP Support portal" in message.body


def test_the_welcome_email_in_french(invite):
    invite("fr")
    message = mail.outbox[-1]
    assert message.subject == "Bienvenue sur le portail ECMP Support"
    assert "Votre compte est ouvert sur le portail ECMP Support" in message.body
    assert "Welcome" not in message.body


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "This link works once and until 6 December 2026, 14:30. It asks"),
        ("fr", "6 décembre 2026, 14:30"),
    ],
)
def test_the_expiry_line_has_a_24_hour_clock_and_one_full_stop(invite, language, written):
    user, _link = invite(language)
    invitation = user.invitations.get()
    invitation.expires_at = timezone.make_aware(datetime(2026, 12, 6, 14, 30))
    outbound.send_invitation(invitation, "token")
    text = OutboundEmail.objects.filter(kind="invitation").latest("pk").text
    assert written in text
    assert "a.m." not in text and "14:30.." not in text


def test_the_password_reset_page_speaks_the_persons_language(
    client, alice, django_capture_on_commit_callbacks
):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": "alice@acme.test"})
    page = client.get(last_link("/accounts/reset/"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page["Content-Language"] == "fr"
    assert '<html lang="fr">' in page.content.decode()
    weak = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "weakpass", "new_password2": "weakpass"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert weak.status_code == 200 and '<html lang="fr">' in weak.content.decode()
    alice.refresh_from_db()
    assert not alice.check_password("weakpass")


def test_a_forged_reset_link_is_answered_in_the_browsers_language(client, db):
    page = client.get("/accounts/reset/MTIzNDU/forged-token/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200 and page["Content-Language"] == "fr"


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_the_unlock_link_speaks_the_owners_language(alice, django_capture_on_commit_callbacks):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("alice@acme.test", 6)
    assert "mot de passe" in mail.outbox[-1].subject
    link = last_link("/accounts/unlock/")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(link)
    assert page.status_code == 200 and page["Content-Language"] == "fr"
    unlocked = browser.post(link)
    assert unlocked.status_code == 302
    # The sign-in page after it, and its message, in her language.
    login = browser.get(unlocked.url).content.decode()
    assert '<html lang="fr">' in login
    assert "Identifiant ou adresse e-mail" in login


def test_after_a_reset_the_next_page_is_in_the_persons_language(
    client, alice, django_capture_on_commit_callbacks
):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": "alice@acme.test"})
    page = client.get(last_link("/accounts/reset/"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    new = "Fresh-Garden-51"
    done = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": new, "new_password2": new},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done.status_code == 200 and '<html lang="fr">' in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(new)
