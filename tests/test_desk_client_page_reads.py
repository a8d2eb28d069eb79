"""The desk's client page: its compiled reads (accounts/organization_page_reads.py,
tickets/organization_reads.py `priority_figures`, sla/contract_reads.py) give what the
ORM gives, for that organization only; the page's billing card for admins only; its
queries constant."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import Invitation, Organization, OrganizationEvent
from ecmp.accounts.organization_page_reads import (
    organization_for_staff,
    organization_history,
    people_of_organization,
)
from ecmp.accounts.people_cells import people_cells
from ecmp.accounts.selectors import user_list_for_organization
from ecmp.sla.contract_reads import has_contract
from ecmp.tickets.models import Ticket
from ecmp.tickets.organization_reads import priority_figures
from ecmp.tickets.status import Priority
from tests.factories import UserFactory, make_ticket
from tests.invoices_data import make_contract


def test_the_organization_as_the_orm_reads_it(acme, agnes):
    Organization.objects.filter(pk=acme.pk).update(
        priority_locked=True,
        priority_locked_by=agnes,
        priority_locked_at=timezone.now(),
        priority_lock_reason="Too many urgent tickets",
        contract_notes="Gold",
    )
    expected = Organization.objects.get(pk=acme.pk)
    read = organization_for_staff(acme.pk)
    fields = [f.attname for f in Organization._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(expected, f) for f in fields]
    with CaptureQueriesContext(connection) as captured:
        assert read.priority_locked_by.full_name == "Agnes Agent"
    assert not captured.captured_queries  # read with the organization
    with pytest.raises(Http404):
        organization_for_staff(acme.pk + 1000)


def test_the_people_are_the_selectors_own_and_only_theirs(acme, alice, bob, carol, agnes):
    Invitation.objects.create(
        user=bob, token_hash="a" * 64, expires_at=timezone.now() + timedelta(days=3)
    )
    bob.activated_at = None
    bob.email_bouncing_since = timezone.now()
    bob.phone = "+32 2 555 01 02"
    bob.save()
    erased = UserFactory(organization=acme, full_name="Former user", is_active=False)
    erased.email = f"erased-{erased.pk}@erased.invalid"
    erased.save()
    rows = people_of_organization(acme.pk)
    orm = list(user_list_for_organization(acme))
    assert [row.pk for row in rows] == [person.pk for person in orm]
    for row, person in zip(rows, orm, strict=True):
        for name in row._fields:
            assert getattr(row, name) == getattr(person, name), name
    assert carol.pk not in {row.pk for row in rows} and agnes.pk not in {row.pk for row in rows}
    by_pk = {row.pk: row for row in rows}
    assert by_pk[erased.pk].is_erased and not by_pk[alice.pk].is_erased
    assert by_pk[bob.pk].pending_invitation_expires is not None
    assert by_pk[alice.pk].pending_invitation_expires is None


def test_the_history_as_the_orm_reads_it(acme, globex, agnes):
    now = timezone.now()
    for n in range(22):
        OrganizationEvent.objects.create(
            organization=acme,
            actor=agnes if n % 2 else None,
            kind=OrganizationEvent.Kind.PRIORITY_LOCKED
            if n % 3
            else OrganizationEvent.Kind.UPDATED,
            reason=f"Reason {n}",
            created_at=now - timedelta(minutes=n),
        )
    OrganizationEvent.objects.create(organization=globex, kind="created", reason="Other")
    rows = organization_history(acme.pk)
    orm = list(acme.events.select_related("actor")[:20])
    assert len(rows) == 20
    assert rows == [
        (e.created_at, e.actor.full_name if e.actor else None, e.get_kind_display(), e.reason)
        for e in orm
    ]
    assert organization_history(acme.pk + 1000) == []


def test_the_priority_figures_as_the_orm_counts_them(acme, globex, alice, carol):
    assert priority_figures(acme.pk) == {
        "total": 0,
        "asked_high": 0,
        "lowered": 0,
        "asked_high_share": 0,
        "lowered_share": 0,
    }
    tickets = [make_ticket(alice, subject=f"Ticket {n}") for n in range(5)]
    make_ticket(carol)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:3]]).update(
        requested_priority=Priority.URGENT, priority=Priority.URGENT
    )
    Ticket.objects.filter(pk=tickets[0].pk).update(priority=Priority.NORMAL)
    figures = priority_figures(acme.pk)
    assert figures == {
        "total": 5,
        "asked_high": 3,
        "lowered": 1,
        "asked_high_share": 60,
        "lowered_share": 33,
    }


def test_has_contract(acme, globex):
    make_contract(acme)
    assert has_contract(acme.pk) and not has_contract(globex.pk)


def test_the_billing_card_is_for_admins_and_queries_stay_constant(client_for, agnes, adam, acme):
    page = reverse("desk:organization", args=[acme.pk])
    assert "billing-profile" not in client_for(agnes).get(page).content.decode()
    assert (
        reverse("desk:billing-profile", args=[acme.pk])
        in client_for(adam).get(page).content.decode()
    )

    desk = client_for(agnes)
    desk.get(page)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(page).status_code == 200
        return len(captured)

    without_contract = queries()
    make_contract(acme)
    few = queries()
    assert few > without_contract  # the history and its terms: read only when there is one
    for _n in range(4):
        person = UserFactory(organization=acme)
        make_ticket(person)
    make_contract(acme, starts_on=timezone.localdate() - timedelta(days=3))
    OrganizationEvent.objects.create(organization=acme, actor=agnes, kind="updated")
    assert queries() == few


def test_customers_are_refused_the_client_page(client_for, alice, acme):
    response = client_for(alice).get(reverse("desk:organization", args=[acme.pk]))
    assert response.status_code == 403


def test_each_persons_links_are_reverses_own(acme, alice, bob):
    bob.phone = "+32 2 555 01 02"
    bob.save()
    cells = people_cells(people_of_organization(acme.pk))
    assert [cell.person.pk for cell in cells] == [alice.pk, bob.pk]
    for cell in cells:
        pk = cell.person.pk
        assert cell[2:] == (
            reverse("desk:invitation-resend", args=[pk]),
            reverse("desk:invitation-revoke", args=[pk]),
            reverse("desk:person-edit", args=[pk]),
            reverse("desk:user-role", args=[pk]),
            reverse("desk:user-active", args=[pk]),
            reverse("desk:two-factor-reset", args=[pk]),
            reverse("desk:person-export", args=[pk]),
            reverse("desk:person-erase", args=[pk]),
        )
    assert cells[1].phone_link == "+3225550102"


@pytest.mark.parametrize(
    ("name", "notes", "sees_all", "language"),
    [
        ("Acme", "", False, "en"),
        ('Acme "R&D" <b>\'s', "Gold\n<script>alert(1)</script> & 'more'", True, "en"),
        ("Acme", "\nStarts with a blank line", False, "fr"),
        ("Ça & Cie", "Remarques", True, "fr"),
    ],
)
def test_the_organization_form_is_written_as_the_form_writes_it(
    client_for, agnes, acme, name, notes, sees_all, language
):
    from django.template import engines

    from ecmp.desk.forms import OrganizationForm

    Organization.objects.filter(pk=acme.pk).update(
        name=name, contract_notes=notes, managers_see_all_tickets=sees_all
    )
    agnes.language = language
    agnes.save()
    client = client_for(agnes)
    client.cookies["django_language"] = language
    page = client.get(
        reverse("desk:organization", args=[acme.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    from django.utils import translation

    with translation.override(language):
        form = OrganizationForm(
            initial={"name": name, "contract_notes": notes, "managers_see_all_tickets": sees_all}
        )
        expected = engines["jinja2"].from_string('{% include "includes/form_fields.html" %}')
        written = expected.render({"form": form})
    assert 'id="id_managers_see_all_tickets"' in written
    if language == "fr":  # the French labels, an apostrophe escaped as the form escapes it
        assert "Notes sur le contrat" in written and "responsables d&#39;équipe" in written
    assert f"\n        {written}\n        <button" in page


def test_the_billing_profile_as_the_orm_reads_it(acme, globex):
    from decimal import Decimal

    from ecmp.billing.models import BillingProfile
    from ecmp.billing.profile_reads import saved_billing_profile
    from ecmp.billing.selectors import billing_profile_for

    assert saved_billing_profile(acme.pk) is None
    unsaved = billing_profile_for(acme)
    assert unsaved.pk is None and unsaved.organization_id == acme.pk
    BillingProfile.objects.create(
        organization=acme, hourly_rate=Decimal("87.50"), rounding_minutes=30, vat_rate=Decimal("21")
    )
    expected = BillingProfile.objects.filter(organization=acme).first()
    read = saved_billing_profile(acme.pk)
    assert read is not None and not read._state.adding
    fields = [f.attname for f in BillingProfile._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert read.hourly_rate == Decimal("87.50") and isinstance(read.hourly_rate, Decimal)
    assert billing_profile_for(acme).pk == expected.pk
    assert saved_billing_profile(globex.pk) is None
    read.rounding_minutes = 15
    read.save()  # a profile read this way is saved as one read through the ORM
    assert BillingProfile.objects.get(pk=expected.pk).rounding_minutes == 15
