"""People have an optional phone number: corrected with their details on the desk,
shown beside them, found by the picker (issue 18 §1)."""

import pytest
from django.urls import reverse

from ecmp.accounts.models import AuditEvent
from ecmp.accounts.selectors import customers_for_picker

pytestmark = pytest.mark.django_db


def edit(client, person, **data):
    fields = {
        "full_name": person.full_name,
        "email": person.email,
        "username": "",
        "language": "en",
        "phone": person.phone,
    }
    return client.post(reverse("desk:person-edit", args=[person.pk]), {**fields, **data})


def test_an_agent_sets_a_phone_number_trimmed_and_recorded(client_for, agnes, bob):
    response = edit(client_for(agnes), bob, phone="  +33 1 23 45 67 89  ")
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.phone == "+33 1 23 45 67 89"
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_CHANGED)
    assert event.changes == {"phone": ["", "+33 1 23 45 67 89"]}
    page = client_for(agnes).get(reverse("desk:organization", args=[bob.organization_id]))
    assert "+33 1 23 45 67 89" in page.content.decode()
    assert [p.pk for p in customers_for_picker(agnes, "0123456789"[1:])] == [bob.pk]


def test_the_edit_page_shows_the_current_phone(client_for, agnes, bob):
    bob.phone = "555 0100"
    bob.save()
    page = client_for(agnes).get(reverse("desk:person-edit", args=[bob.pk])).content.decode()
    assert 'name="phone"' in page and 'value="555 0100"' in page


def test_a_phone_number_can_be_removed(client_for, agnes, bob):
    bob.phone = "555 0100"
    bob.save()
    assert edit(client_for(agnes), bob, phone="").status_code == 302
    bob.refresh_from_db()
    assert bob.phone == ""


def test_a_too_long_phone_number_changes_nothing(client_for, agnes, bob):
    response = edit(client_for(agnes), bob, phone="1" * 40)
    assert response.status_code == 200
    assert "at most 32 characters" in response.content.decode()
    bob.refresh_from_db()
    assert bob.phone == ""
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.USER_CHANGED).exists()


def test_the_service_leaves_the_phone_alone_when_not_given(agnes, bob):
    from ecmp.accounts.services import user_update_details

    bob.phone = "555 0100"
    bob.save()
    user_update_details(
        user=bob, by=agnes, full_name="Bob D.", email=bob.email, username=None, language="en"
    )
    bob.refresh_from_db()
    assert (bob.full_name, bob.phone) == ("Bob D.", "555 0100")
