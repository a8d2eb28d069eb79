"""Issue 20, §4: lifting a priority lock asks why and confirms; "Send again" stays
on the page that lists the person."""

from django.urls import reverse

from ecmp.accounts import services
from ecmp.accounts.models import AuditEvent, Invitation
from tests.factories import UserFactory


def lock(org, agent):
    services.organization_set_priority_lock(
        organization=org, by=agent, locked=True, reason="Everything is urgent"
    )


def test_the_lock_lift_asks_for_a_reason_and_a_confirmation(acme, agnes, client_for):
    lock(acme, agnes)
    client = client_for(agnes)
    page = client.get(reverse("desk:organization", args=[acme.pk])).content.decode()
    assert 'name="confirm"' in page
    url = reverse("desk:organization-priority-lock", args=[acme.pk])

    # No confirmation: nothing changes, and the page says why.
    response = client.post(url, {"locked": "0", "reason": "They behave now"}, follow=True)
    assert "Please confirm" in response.content.decode()
    acme.refresh_from_db()
    assert acme.priority_locked
    # No reason: nothing changes either.
    response = client.post(url, {"locked": "0", "reason": " ", "confirm": "1"}, follow=True)
    assert "Please say why." in response.content.decode()
    acme.refresh_from_db()
    assert acme.priority_locked
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PRIORITY_UNLOCKED).exists()

    response = client.post(url, {"locked": "0", "reason": "They behave now", "confirm": "1"})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert not acme.priority_locked
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PRIORITY_UNLOCKED)
    assert event.actor == agnes
    assert event.detail == "They behave now"


def test_locking_needs_no_confirmation_but_a_reason(acme, agnes, client_for):
    client = client_for(agnes)
    page = client.get(reverse("desk:organization", args=[acme.pk])).content.decode()
    assert 'name="confirm"' not in page
    url = reverse("desk:organization-priority-lock", args=[acme.pk])
    client.post(url, {"locked": "1", "reason": ""})
    acme.refresh_from_db()
    assert not acme.priority_locked
    client.post(url, {"locked": "1", "reason": "Everything is urgent"})
    acme.refresh_from_db()
    assert acme.priority_locked
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PRIORITY_LOCKED).count() == 1


def test_a_customer_cannot_lift_a_lock(acme, agnes, alice, client_for):
    lock(acme, agnes)
    url = reverse("desk:organization-priority-lock", args=[acme.pk])
    response = client_for(alice).post(url, {"locked": "0", "reason": "x", "confirm": "1"})
    assert response.status_code in (302, 403, 404)
    acme.refresh_from_db()
    assert acme.priority_locked


def test_send_again_stays_on_the_persons_page(
    acme, agnes, client_for, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="new@acme.test", organization=acme, activated_at=None)
    response = client_for(agnes).post(
        reverse("desk:invitation-resend", args=[newcomer.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("desk:organization", args=[acme.pk])
    assert "A new link was sent to new@acme.test." in response.content.decode()
    assert Invitation.objects.filter(user=newcomer).exists()


def test_send_again_for_an_agent_stays_on_the_team_page(adam, client_for):
    newcomer = UserFactory(
        email="new@support.test", role="agent", organization=None, activated_at=None
    )
    response = client_for(adam).post(reverse("desk:invitation-resend", args=[newcomer.pk]))
    assert response.status_code == 302
    assert response.url == reverse("desk:team")
