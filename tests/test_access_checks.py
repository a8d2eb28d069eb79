"""Services check their `by` with core.access: an inactive admin and an agent are
refused what is for admins, a customer and an inactive agent what is for the team."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ecmp.accounts import services as accounts
from ecmp.accounts.audit_selectors import audit_event_list_for_admin
from ecmp.billing import services as billing
from ecmp.billing.models import ActivityType
from ecmp.privacy.erasure import may_erase, person_erase
from ecmp.privacy.export import may_export
from ecmp.privacy.selectors import person_for_admin
from ecmp.sla import services as sla
from ecmp.tickets import services as tickets
from tests.factories import make_ticket


@pytest.fixture
def retired_admin(adam):
    adam.is_active = False
    adam.save(update_fields=["is_active"])
    return adam


@pytest.fixture(params=["retired_admin", "agnes"])
def not_admin(request):
    return request.getfixturevalue(request.param)


def test_admin_services_refuse_an_inactive_admin_and_an_agent(not_admin, acme, bob):
    today = timezone.localdate()
    refused = [
        lambda: sla.holiday_add(by=not_admin, day=date(2030, 1, 1), name="New Year"),
        lambda: billing.invoice_issue(by=not_admin, organization=acme, start=today, end=today),
        lambda: billing.billing_profile_update(by=not_admin, organization=acme),
        lambda: audit_event_list_for_admin(not_admin),
        lambda: person_erase(user=bob, by=not_admin),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(Http404):
        person_for_admin(not_admin, bob.pk)
    assert not may_erase(by=not_admin, user=bob)
    assert not may_export(by=not_admin, user=bob)


def test_an_active_admin_passes_the_same_checks(adam, bob):
    assert may_erase(by=adam, user=bob) and may_export(by=adam, user=bob)
    assert person_for_admin(adam, bob.pk) == bob
    audit_event_list_for_admin(adam)  # no PermissionDenied


@pytest.fixture
def retired_agent(agnes):
    agnes.is_active = False
    agnes.save(update_fields=["is_active"])
    return agnes


@pytest.fixture(params=["alice", "retired_agent"])
def not_staff(request):
    return request.getfixturevalue(request.param)


def test_staff_services_refuse_a_customer_and_an_inactive_agent(not_staff, alice, acme):
    ticket = make_ticket(alice)
    refused = [
        lambda: accounts.organization_create(by=not_staff, name="Initech"),
        lambda: accounts.organization_set_active(
            organization=acme, by=not_staff, active=False, reason="unpaid"
        ),
        lambda: tickets.ticket_accept(ticket=ticket, actor=not_staff),
        lambda: billing.time_entry_create(
            ticket=ticket,
            agent=not_staff,
            day=timezone.localdate(),
            minutes=15,
            activity_type=ActivityType.objects.get(name="Support"),
        ),
        lambda: tickets.ticket_reply(ticket=ticket, author=not_staff, body="x", internal=True),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
