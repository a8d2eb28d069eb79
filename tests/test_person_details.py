"""A person's name, email, username and language are corrected on the desk (the
Django admin only shows them): one service, permissions, the audit log."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import AuditEvent, User
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


def edit(client, person, **data):
    fields = {
        "full_name": person.full_name,
        "email": person.email,
        "username": "",
        "language": "en",
    }
    return client.post(reverse("desk:person-edit", args=[person.pk]), {**fields, **data})


def test_an_agent_corrects_a_client_users_details_and_it_is_recorded(client_for, agnes, bob):
    bob.email_bouncing_since = timezone.now()
    bob.save()
    response = edit(
        client_for(agnes), bob, full_name="Robert Durand", email="Robert@Acme.test", username="rob"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:organization", args=[bob.organization_id])
    bob.refresh_from_db()
    assert (bob.full_name, bob.email, bob.username) == ("Robert Durand", "robert@acme.test", "rob")
    assert bob.email_bouncing_since is None  # the bounces were the old address's
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CHANGED)
    assert event.actor == agnes and event.target_id == str(bob.pk)
    assert event.changes["email"] == ["bob@acme.test", "robert@acme.test"]
    assert event.changes["full_name"] == ["Bob Durand", "Robert Durand"]
    assert "language" not in event.changes


def test_the_page_shows_the_current_details(client_for, agnes, bob):
    page = client_for(agnes).get(reverse("desk:person-edit", args=[bob.pk]))
    assert page.status_code == 200
    assert 'value="bob@acme.test"' in page.content.decode()


def test_an_address_in_use_or_a_bad_username_changes_nothing(client_for, agnes, bob, alice):
    client = client_for(agnes)
    taken = edit(client, bob, email=alice.email.upper())
    assert "already exists" in taken.content.decode()
    bad = edit(client, bob, username="bob@acme")
    assert bad.status_code == 200 and "Letters, digits" in bad.content.decode()
    bob.refresh_from_db()
    assert bob.email == "bob@acme.test" and bob.username is None
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_CHANGED).exists()


def test_only_admins_correct_the_team(client_for, agnes, adam):
    colleague = AgentFactory(email="carl@support.test", full_name="Carl")
    assert edit(client_for(agnes), colleague, full_name="Mallory").status_code == 403
    assert User.objects.get(pk=colleague.pk).full_name == "Carl"
    response = edit(client_for(adam), colleague, full_name="Carl Agent")
    assert response["Location"] == reverse("desk:team")
    assert User.objects.get(pk=colleague.pk).full_name == "Carl Agent"


def test_customers_cannot_reach_it(client_for, alice, bob):
    assert edit(client_for(alice), bob, full_name="X").status_code == 403
    assert User.objects.get(pk=bob.pk).full_name == "Bob Durand"


def test_an_erased_person_is_not_given_details_again(client_for, adam, acme):
    person = UserFactory(email="gone@acme.test", organization=acme)
    User.objects.filter(pk=person.pk).update(email=f"erased-{person.pk}@erased.invalid")
    person.refresh_from_db()
    assert person.is_erased
    response = edit(client_for(adam), person, email="back@acme.test")
    assert "already been erased" in response.content.decode()
    assert User.objects.get(pk=person.pk).is_erased


def test_the_django_admin_cannot_change_people(client_for, adam, bob):
    response = client_for(adam).post(
        reverse("admin:accounts_user_change", args=[bob.pk]), {"email": "x@acme.test"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=bob.pk).email == "bob@acme.test"
