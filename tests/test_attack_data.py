"""Issue 16 attacked at its edges: the audit log, erasure, the Django admin."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ecmp.accounts import services as accounts
from ecmp.accounts.audit_selectors import AuditFilters, audit_event_list_for_admin
from ecmp.accounts.models import AuditEvent, Invitation, Role, User
from ecmp.privacy.erasure import person_erase
from tests.factories import UserFactory

Kind = AuditEvent.Kind


# --- The audit log's filters take any date the form accepts ------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_the_audit_log_takes_the_first_and_last_day_of_the_calendar(client_for, adam, query):
    # The date field accepts them; the day after the last one, or the start of the
    # first one in UTC, is past what a datetime holds: it was a 500.
    client = client_for(adam)
    assert client.get(reverse("desk:audit"), query).status_code == 200
    response = client.get(reverse("desk:audit-csv"), query)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"at,kind")


def test_the_calendar_bounds_filter_nothing_out(adam, bob):
    AuditEvent.objects.create(kind=Kind.SIGN_IN, actor_label="x")
    events = audit_event_list_for_admin(adam, AuditFilters(since=date.min, until=date.max))
    assert events.count() == 1


# --- Erasure leaves no label naming the person in the audit log --------------------------


def sign_in_fails(identifier):
    Client().post(reverse("accounts:login"), {"username": identifier, "password": "wrong"})


def test_erasure_forgets_what_was_typed_at_sign_in_with_the_persons_identifiers(adam, acme):
    # Before the account exists, then on it by address (any case) and by username.
    sign_in_fails("dora@acme.test")
    dora = UserFactory(email="dora@acme.test", username="dora", organization=acme)
    sign_in_fails("Dora@Acme.test")
    sign_in_fails("dora")
    accounts.user_set_role(user=dora, by=adam, role=Role.CUSTOMER, is_team_manager=True)
    sign_in_fails("someone@else.test")
    assert AuditEvent.objects.filter(kind=Kind.SIGN_IN_FAILED).count() == 4

    person_erase(user=dora, by=adam)

    for event in AuditEvent.objects.all():
        labels = f"{event.actor_label} {event.target_label}".lower()
        assert "dora" not in labels, (event.kind, event.actor_label, event.target_label)
    failed = AuditEvent.objects.filter(kind=Kind.SIGN_IN_FAILED)
    assert sorted(failed.values_list("actor_label", flat=True)) == [
        *[str(User.objects.get(pk=dora.pk))] * 3,
        "someone@else.test",
    ]
    # What others did to her still names them.
    assert AuditEvent.objects.get(kind=Kind.ROLE_CHANGED).actor_label == "adam@support.test"


# --- An erased person is never an account again ------------------------------------------


def test_an_erased_person_cannot_be_reactivated_nor_given_a_role(client_for, adam, acme):
    # Invited, never activated: "Reactivate" then "Send again" would have mailed a
    # fresh invitation link for the "Former user" account.
    dora = accounts.user_register(
        by=adam, email="dora@acme.test", full_name="Dora", role=Role.CUSTOMER, organization=acme
    )
    person_erase(user=dora, by=adam)
    client = client_for(adam)

    client.post(reverse("desk:user-active", args=[dora.pk]), {"active": "1"})
    client.post(
        reverse("desk:user-role", args=[dora.pk]), {"role": "customer", "is_team_manager": "on"}
    )
    client.post(reverse("desk:invitation-resend", args=[dora.pk]))

    dora.refresh_from_db()
    assert (dora.is_active, dora.is_team_manager, dora.role) == (False, False, Role.CUSTOMER)
    assert not Invitation.objects.filter(user=dora, revoked_at=None).exists()
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert not kinds & {Kind.USER_ACTIVATED, Kind.ROLE_CHANGED}
    with pytest.raises(ValidationError):
        accounts.user_set_active(user=dora, by=adam, active=True)
    # The page offers none of it.
    page = client.get(reverse("desk:organization", args=[acme.pk])).content.decode()
    for action in ("user-active", "user-role", "person-erase"):
        assert reverse(f"desk:{action}", args=[dora.pk]) not in page


def test_an_erased_person_can_still_be_deactivated_if_somehow_active(adam, acme):
    dora = UserFactory(email="dora@acme.test", organization=acme)
    person_erase(user=dora, by=adam)
    User.objects.filter(pk=dora.pk).update(is_active=True)
    dora.refresh_from_db()
    accounts.user_set_active(user=dora, by=adam, active=False)
    dora.refresh_from_db()
    assert not dora.is_active


# --- The Django admin cannot change what the audit log records ---------------------------


def test_the_django_admin_cannot_change_people_or_organizations(client_for, adam, bob, acme):
    client = client_for(adam)
    # A role, an activation, a priority lock: each is recorded only through the desk.
    response = client.post(
        f"/admin/accounts/user/{bob.pk}/change/",
        {
            "email": bob.email,
            "username": "bob",
            "full_name": bob.full_name,
            "language": "en",
            "role": "admin",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    response = client.post(
        f"/admin/accounts/organization/{acme.pk}/change/",
        {"name": "Acme", "active": "on", "priority_locked": "on"},
    )
    assert response.status_code == 403
    assert client.post(f"/admin/accounts/user/{bob.pk}/password/").status_code == 403
    assert client.post(f"/admin/accounts/user/{bob.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403
    bob.refresh_from_db()
    acme.refresh_from_db()
    assert (bob.role, bob.is_active, acme.priority_locked) == (Role.CUSTOMER, True, False)
    # Still there to look at.
    assert client.get(f"/admin/accounts/user/{bob.pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/organization/{acme.pk}/change/").status_code == 200
