"""English and French, the switch, and each user's preferred language."""

from django.urls import reverse

SWITCH = reverse("accounts:set-language")


def test_the_switch_sets_french_for_a_visitor(client, db):
    response = client.post(SWITCH, {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    html = client.get("/accounts/login/").content.decode()
    assert "Identifiant ou adresse e-mail" in html
    assert "Gérer mes tickets" in client.get("/").content.decode()


def test_the_switch_is_remembered_for_a_signed_in_user(client_for, alice):
    client = client_for(alice)
    client.post(SWITCH, {"language": "fr", "next": "/portal/"})
    alice.refresh_from_db()
    assert alice.language == "fr"
    # A new session (another browser) uses the saved preference.
    other = client_for(alice)
    html = other.get(reverse("portal:service-desk")).content.decode()
    assert "Aucun enregistrement à afficher" in html


def test_the_users_language_wins_over_the_browsers(client_for, alice):
    alice.language = "fr"
    alice.save()
    html = client_for(alice).get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content
    assert "Accueil / Tableau de bord" in html.decode()


def test_the_switch_never_redirects_elsewhere(client, db):
    response = client.post(SWITCH, {"language": "fr", "next": "https://evil.example/"})
    assert response.url == "/"


def test_an_unknown_language_changes_nothing(client_for, alice):
    client_for(alice).post(SWITCH, {"language": "xx"})
    alice.refresh_from_db()
    assert alice.language == "en"


def test_the_switch_is_post_only(client, db):
    assert client.get(SWITCH).status_code == 405
