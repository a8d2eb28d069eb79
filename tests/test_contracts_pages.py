"""Issue 19 §1: contracts on the desk's client page and in the portal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import AuditEvent
from ecmp.billing.contract_rates import contract_version_create
from ecmp.billing.models import ActivityType, ContractRate
from ecmp.sla.contracts import ContractTerms, contract_create
from ecmp.sla.models import Contract, ContractHours, ContractTarget
from ecmp.tickets.status import Priority
from tests.factories import UserFactory, make_ticket
from tests.invoices_data import today


def version(organization, by, **kwargs):
    kwargs.setdefault("starts_on", today() - timedelta(days=30))
    return contract_create(by=by, organization=organization, terms=ContractTerms(**kwargs))


def form_data(**overrides):
    data = {
        "reference": "Gold 2026",
        "starts_on": today().isoformat(),
        "ends_on": "",
        "payment_terms_days": "45",
        "billing_emails": "billing@acme.test\naccounts@acme.test",
        "billing_address": "Rue de la Loi 16\n1000 Bruxelles",
        "vat_number": "BE 0403.170.701",
        "first_4": "0.5",
        "resolution_4": "2.5",
        "hours-open_5": "on",
        "hours-opens_5": "08:00",
        "hours-closes_5": "12:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_creates_a_version_from_the_client_page(client_for, acme, adam):
    support = ActivityType.objects.get(name="Support")
    client = client_for(adam)
    page = client.get(reverse("desk:organization", args=[acme.pk]))
    assert page.status_code == 200 and "New version" in page.content.decode()
    response = client.post(
        reverse("desk:contract-new", args=[acme.pk]), form_data(**{f"rate_{support.pk}": "95.50"})
    )
    assert response.status_code == 302
    contract = Contract.objects.get(organization=acme)
    assert contract.vat_number == "BE0403170701"
    assert contract.billing_emails == "billing@acme.test, accounts@acme.test"
    assert contract.payment_terms_days == 45
    target = ContractTarget.objects.get(contract=contract)
    assert (target.priority, target.first_response_minutes, target.resolution_minutes) == (
        Priority.URGENT,
        30,
        150,
    )
    assert ContractHours.objects.get(contract=contract).weekday == 5
    assert ContractRate.objects.get(contract=contract).hourly_rate == Decimal("95.50")
    assert AuditEvent.objects.filter(target_type="contract", actor=adam).count() == 2
    shown = client.get(reverse("desk:organization", args=[acme.pk])).content.decode()
    assert "Gold 2026" in shown and "billing@acme.test" in shown and "BE0403170701" in shown


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vat_number": "BE0403170702"}, "check digits are wrong"),
        ({"vat_number": "0403170701"}, "starting with its country code"),
        ({"vat_number": "", "reverse_charge": "on"}, "needs the client"),
        ({"billing_emails": "billing@acme.test, nobody"}, "is not a valid email address"),
        ({"ends_on": (today() - timedelta(days=1)).isoformat()}, "cannot end before it starts"),
        ({"first_4": "3", "resolution_4": "1"}, "cannot be shorter"),
        ({"resolution_4": ""}, "give both targets"),
        ({"hours-closes_5": "07:00"}, "opening time must come before"),
        ({"starts_on": "tomorrow"}, "Enter a valid date"),
    ],
)
def test_bad_input_is_refused_clearly_and_saves_nothing(client_for, acme, adam, overrides, message):
    response = client_for(adam).post(
        reverse("desk:contract-new", args=[acme.pk]), form_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Contract.objects.exists()
    assert not AuditEvent.objects.filter(target_type="contract").exists()


def test_the_form_is_prefilled_from_the_version_in_force(client_for, acme, adam):
    version(acme, adam, reference="Silver", vat_number="BE0403170701", payment_terms_days=60)
    page = client_for(adam).get(reverse("desk:contract-new", args=[acme.pk])).content.decode()
    assert 'value="Silver"' in page and 'value="BE0403170701"' in page and 'value="60"' in page
    assert f'value="{today().isoformat()}"' in page


def test_agents_and_customers_cannot_write_contracts(client_for, acme, agnes, alice, adam):
    contract = version(acme, adam)
    for person in (agnes, alice):
        client = client_for(person)
        urls = [
            reverse("desk:contract-new", args=[acme.pk]),
            reverse("desk:contract-edit", args=[contract.pk]),
            reverse("desk:contract-delete", args=[contract.pk]),
        ]
        for url in urls:
            assert client.post(url, form_data(reference="Hacked")).status_code == 403
    assert Contract.objects.get().reference == ""
    assert Contract.objects.count() == 1
    # Agents read the contract (not its rates); customers do not reach the desk.
    assert client_for(agnes).get(reverse("desk:contract", args=[contract.pk])).status_code == 200
    assert client_for(alice).get(reverse("desk:contract", args=[contract.pk])).status_code == 403


def test_a_used_version_is_kept_an_unused_one_corrected_or_deleted(client_for, acme, alice, adam):
    used = version(acme, adam, reference="Used")
    make_ticket(alice)
    client = client_for(adam)
    response = client.post(reverse("desk:contract-edit", args=[used.pk]), form_data())
    assert response.status_code == 302
    response = client.post(reverse("desk:contract-delete", args=[used.pk]))
    assert response.status_code == 302
    used.refresh_from_db()
    assert used.reference == "Used"
    later = version(acme, adam, starts_on=today() + timedelta(days=10), reference="Later")
    response = client.post(
        reverse("desk:contract-edit", args=[later.pk]),
        form_data(
            reference="Later, corrected", starts_on=(today() + timedelta(days=10)).isoformat()
        ),
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.reference == "Later, corrected"
    assert client.post(reverse("desk:contract-delete", args=[later.pk])).status_code == 302
    assert list(Contract.objects.all()) == [used]


def test_the_desk_ticket_page_names_the_contract(client_for, acme, alice, agnes, adam):
    version(acme, adam, reference="Gold")
    ticket = make_ticket(alice)
    page = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    assert "Gold" in page.content.decode()


def test_the_client_page_reads_the_contract_in_a_few_queries(client_for, acme, adam):
    client = client_for(adam)
    url = reverse("desk:organization", args=[acme.pk])
    version(acme, adam, starts_on=today() - timedelta(days=60))
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        version(
            acme,
            adam,
            starts_on=today() - timedelta(days=50 - n),
            targets={Priority.HIGH: (60, 120)},
            hours={0: (timezone.datetime.min.time(), timezone.datetime.max.time())},
        )
    assert queries() == few


# The portal


def test_a_manager_sees_their_organizations_contract(client_for, acme, globex, alice, adam):
    version(
        acme,
        adam,
        reference="Acme Gold",
        billing_emails="billing@acme.test",
        payment_terms_days=15,
        targets={Priority.URGENT: (30, 90)},
    )
    secret = version(globex, adam, reference="Globex Platinum")
    client = client_for(alice)
    page = client.get(reverse("portal:contract"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Acme Gold" in text and "billing@acme.test" in text and "15 days" in text
    assert "1.5" in text  # the urgent resolution target, in hours
    assert "Globex" not in text
    assert client.get(reverse("portal:contract-version", args=[secret.pk])).status_code == 404


def test_the_contract_page_is_for_managers_only(client_for, acme, alice, bob, carol, adam):
    contract = version(acme, adam, reference="Acme Gold")
    assert client_for(bob).get(reverse("portal:contract")).status_code == 403
    assert (
        client_for(carol).get(reverse("portal:contract-version", args=[contract.pk])).status_code
        == 403
    )
    globex_manager = UserFactory(
        email="boss@globex.test", organization=carol.organization, is_team_manager=True
    )
    client = client_for(globex_manager)
    assert client.get(reverse("portal:contract-version", args=[contract.pk])).status_code == 404
    page = client.get(reverse("portal:contract")).content.decode()
    assert "Acme Gold" not in page and "No contract is in force" in page


def test_a_version_with_rates_shows_them_to_admins_only(client_for, acme, agnes, adam):
    support = ActivityType.objects.get(name="Support")
    contract = contract_version_create(
        by=adam,
        organization=acme,
        terms=ContractTerms(starts_on=date(2026, 1, 1)),
        rates={support.pk: Decimal("123.45")},
    )
    url = reverse("desk:contract", args=[contract.pk])
    assert "123.45" in client_for(adam).get(url).content.decode()
    assert "123.45" not in client_for(agnes).get(url).content.decode()


@pytest.mark.parametrize(
    ("minutes", "shown"), [(30, "0.5"), (90, "1.5"), (480, "8"), (2400, "40"), (4800, "80")]
)
def test_targets_read_as_plain_hours(minutes, shown):
    from ecmp.sla.contract_summary import hours_of

    assert str(hours_of(minutes)) == shown
