"""Issue 19 §1: contracts per client — versions, checks, the SLA clock, the rates."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecmp.accounts.models import AuditEvent
from ecmp.billing import services as billing_services
from ecmp.billing.contract_rates import contract_version_create
from ecmp.billing.models import ActivityRate, ActivityType, BillingProfile, ContractRate
from ecmp.billing.selectors import invoice_draft
from ecmp.sla.contract_selectors import contract_in_force
from ecmp.sla.contracts import (
    ContractTerms,
    billing_emails_clean,
    contract_create,
    contract_delete,
    contract_update,
    vat_number_clean,
)
from ecmp.sla.models import Contract
from ecmp.tickets.status import Priority
from tests.factories import make_ticket

PARIS = ZoneInfo("Europe/Paris")
ALL_WEEK = {day: (time(0, 0), time(23, 59)) for day in range(7)}


def terms(**kwargs):
    kwargs.setdefault("starts_on", date(2026, 1, 1))
    return ContractTerms(**kwargs)


# The version in force


def test_the_version_in_force_before_during_and_after(acme, adam):
    first = contract_create(
        by=adam,
        organization=acme,
        terms=terms(starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30)),
    )
    assert contract_in_force(acme.pk, date(2025, 12, 31)) is None
    assert contract_in_force(acme.pk, date(2026, 1, 1)) == first
    assert contract_in_force(acme.pk, date(2026, 6, 30)) == first
    assert contract_in_force(acme.pk, date(2026, 7, 1)) is None


def test_a_newer_version_replaces_the_older_from_its_start(acme, globex, adam):
    older = contract_create(by=adam, organization=acme, terms=terms(starts_on=date(2026, 1, 1)))
    newer = contract_create(by=adam, organization=acme, terms=terms(starts_on=date(2026, 4, 1)))
    contract_create(by=adam, organization=globex, terms=terms(starts_on=date(2026, 2, 1)))
    assert contract_in_force(acme.pk, date(2026, 3, 31)) == older
    assert contract_in_force(acme.pk, date(2026, 4, 1)) == newer
    assert contract_in_force(acme.pk, date(2027, 1, 1)) == newer


# The checks


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("BE0403170701", "BE0403170701"),
        ("be 0403.170.701", "BE0403170701"),
        ("FR40303265045", "FR40303265045"),
        ("", ""),
    ],
)
def test_vat_numbers_are_checked_and_stored_compact(typed, stored):
    assert vat_number_clean(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("BE0403170702", "vat_checksum"),  # a wrong check digit
        ("FR41303265045", "vat_checksum"),
        ("0403170701", "vat_format"),  # no country prefix
        ("XX0403170701", "vat_format"),
        ("BE12", "vat_format"),
    ],
)
def test_bad_vat_numbers_are_refused_clearly(typed, code):
    with pytest.raises(ValidationError) as refused:
        vat_number_clean(typed)
    assert refused.value.code == code


def test_billing_emails_are_each_checked():
    assert (
        billing_emails_clean("a@acme.test; b@acme.test\nA@acme.test") == "a@acme.test, b@acme.test"
    )
    with pytest.raises(ValidationError, match="not-an-address"):
        billing_emails_clean("a@acme.test, not-an-address")


def test_reverse_charge_needs_a_vat_number_and_bad_input_saves_nothing(acme, adam):
    with pytest.raises(ValidationError) as refused:
        contract_create(by=adam, organization=acme, terms=terms(reverse_charge=True))
    assert "reverse_charge" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        contract_create(
            by=adam, organization=acme, terms=terms(ends_on=date(2025, 1, 1), vat_number="BE1")
        )
    assert {"ends_on", "vat_number"} <= set(refused.value.message_dict)
    assert not Contract.objects.exists()
    assert not AuditEvent.objects.filter(target_type="contract").exists()
    saved = contract_create(
        by=adam,
        organization=acme,
        terms=terms(reverse_charge=True, vat_number="FR40303265045"),
    )
    assert saved.reverse_charge and saved.vat_number == "FR40303265045"


def test_only_admins_write_contracts(acme, agnes, alice, adam):
    for person in (agnes, alice):
        with pytest.raises(PermissionDenied):
            contract_create(by=person, organization=acme, terms=terms())
    contract = contract_create(by=adam, organization=acme, terms=terms())
    for person in (agnes, alice):
        with pytest.raises(PermissionDenied):
            contract_update(by=person, contract=contract, terms=terms(reference="X"))
        with pytest.raises(PermissionDenied):
            contract_delete(by=person, contract=contract)
    assert Contract.objects.get().reference == ""


def test_each_change_is_in_the_audit_log(acme, adam):
    contract = contract_create(
        by=adam, organization=acme, terms=terms(reference="C-1", payment_terms_days=30)
    )
    contract_update(by=adam, contract=contract, terms=terms(reference="C-1", payment_terms_days=45))
    contract_delete(by=adam, contract=contract)
    events = list(AuditEvent.objects.filter(target_type="contract").order_by("at", "id"))
    assert [e.detail.split(":")[0] for e in events] == [
        "contract version created",
        "contract version edited",
        "contract version deleted",
    ]
    assert all(e.actor == adam for e in events)
    assert events[1].changes == {"payment_terms_days": [30, 45]}


def test_a_version_a_ticket_uses_is_history(acme, alice, adam):
    contract = contract_create(by=adam, organization=acme, terms=terms(reference="Gold"))
    ticket = make_ticket(alice)
    assert ticket.contract == contract
    with pytest.raises(ValidationError, match="new version"):
        contract_update(by=adam, contract=contract, terms=terms(reference="Changed"))
    with pytest.raises(ValidationError, match="new version"):
        contract_delete(by=adam, contract=contract)
    contract.refresh_from_db()
    assert contract.reference == "Gold"


# The SLA clock


@pytest.fixture
def friday_evening(monkeypatch):
    """Friday 23 October 2026, 18:00 in Paris: after the default hours."""
    moment = datetime(2026, 10, 23, 18, 0, tzinfo=PARIS)
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(UTC))
    return moment


def test_without_contract_the_default_targets_and_calendar(friday_evening, alice):
    ticket = make_ticket(alice, priority=Priority.NORMAL)
    assert ticket.contract is None
    # One business day (8 h) from Friday evening: Monday 17:00.
    assert ticket.first_response_due_at == datetime(2026, 10, 26, 17, 0, tzinfo=PARIS)


def test_a_contract_sets_the_targets_and_hours_of_its_tickets(friday_evening, acme, alice, adam):
    contract_create(
        by=adam,
        organization=acme,
        terms=terms(
            starts_on=date(2026, 10, 1),
            targets={Priority.NORMAL: (4 * 60, 8 * 60)},
            hours=ALL_WEEK,
        ),
    )
    normal = make_ticket(alice, priority=Priority.NORMAL)
    assert normal.contract is not None
    assert normal.first_response_due_at == friday_evening + timedelta(hours=4)
    assert normal.resolution_due_at == datetime(2026, 10, 24, 2, 1, tzinfo=PARIS)  # past 23:59
    # A priority the contract leaves alone: the default targets, in the contract's hours.
    low = make_ticket(alice, priority=Priority.LOW)
    assert low.first_response_due_at == datetime(2026, 10, 24, 10, 1, tzinfo=PARIS)


def test_a_contract_with_targets_only_keeps_the_default_calendar(friday_evening, acme, alice, adam):
    contract_create(
        by=adam,
        organization=acme,
        terms=terms(starts_on=date(2026, 10, 1), targets={Priority.NORMAL: (60, 120)}),
    )
    ticket = make_ticket(alice, priority=Priority.NORMAL)
    assert ticket.first_response_due_at == datetime(2026, 10, 26, 10, 0, tzinfo=PARIS)


def test_a_contract_not_yet_started_or_of_another_client_does_not_apply(
    friday_evening, acme, globex, alice, adam
):
    contract_create(by=adam, organization=acme, terms=terms(starts_on=date(2026, 11, 1)))
    contract_create(by=adam, organization=globex, terms=terms(starts_on=date(2026, 1, 1)))
    assert make_ticket(alice).contract is None


def test_a_priority_change_counts_in_the_tickets_contract(friday_evening, acme, alice, agnes, adam):
    from ecmp.tickets.services import ticket_set_priority

    contract_create(
        by=adam,
        organization=acme,
        terms=terms(
            starts_on=date(2026, 10, 1),
            targets={Priority.URGENT: (30, 60)},
            hours=ALL_WEEK,
        ),
    )
    ticket = make_ticket(alice, priority=Priority.NORMAL)
    ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.URGENT, reason="Down")
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == friday_evening + timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_a_ticket_without_contract_costs_no_query_more(alice, carol, adam):
    def creation_queries(requester):
        make_ticket(requester)  # the service levels are read once per process
        with CaptureQueriesContext(connection) as captured:
            make_ticket(requester)
        return len(captured)

    before = creation_queries(alice)
    contract_create(
        by=adam,
        organization=carol.organization,
        terms=terms(targets={Priority.NORMAL: (60, 120)}, hours=ALL_WEEK),
    )
    assert creation_queries(alice) == before
    # A client with a contract: the version in force, one query more.
    assert creation_queries(carol) == before + 1
    assert make_ticket(carol).contract is not None


# The rates


@pytest.fixture
def support():
    return ActivityType.objects.get(name="Support")


def log(ticket, agent, day, minutes=60, activity=None):
    return billing_services.time_entry_create(
        ticket=ticket,
        agent=agent,
        day=day,
        minutes=minutes,
        activity_type=activity or ActivityType.objects.get(name="Support"),
        description="Work",
        billable=True,
    )


def test_the_draft_bills_at_the_rate_of_the_contract_in_force_each_day(
    acme, alice, agnes, adam, support
):
    other = ActivityType.objects.create(name="Training")
    profile = BillingProfile.objects.create(organization=acme, hourly_rate=Decimal("80.00"))
    ActivityRate.objects.create(profile=profile, activity_type=other, hourly_rate=Decimal("50"))
    contract_version_create(
        by=adam,
        organization=acme,
        terms=terms(starts_on=date(2026, 3, 10)),
        rates={support.pk: Decimal("100.00")},
    )
    contract_version_create(
        by=adam,
        organization=acme,
        terms=terms(starts_on=date(2026, 3, 20)),
        rates={support.pk: Decimal("120.00")},
    )
    ticket = make_ticket(alice)
    log(ticket, agnes, date(2026, 3, 5))  # before any contract: the client's rate
    log(ticket, agnes, date(2026, 3, 12))  # the first version
    log(ticket, agnes, date(2026, 3, 25))  # the second
    log(ticket, agnes, date(2026, 3, 26), activity=other)  # no contract rate: the client's
    with CaptureQueriesContext(connection) as captured:
        draft = invoice_draft(acme, date(2026, 3, 1), date(2026, 3, 31))
        rates = [line.hourly_rate for group in draft.tickets for line in group.lines]
    assert rates == [Decimal("80.00"), Decimal("100.00"), Decimal("120.00"), Decimal("50.00")]
    assert draft.tickets[0].subtotal == Decimal("350.00")
    assert sum("contractrate" in q["sql"] for q in captured.captured_queries) == 1


def test_rates_are_saved_with_the_version_or_not_at_all(acme, adam, support):
    with pytest.raises(ValidationError):
        contract_version_create(
            by=adam,
            organization=acme,
            terms=terms(vat_number="BE0403170702"),
            rates={support.pk: Decimal("90")},
        )
    assert not Contract.objects.exists() and not ContractRate.objects.exists()
    with pytest.raises(ValidationError):
        contract_version_create(
            by=adam, organization=acme, terms=terms(), rates={support.pk: Decimal("-1")}
        )
    assert not Contract.objects.exists()


def test_the_demo_client_has_a_contract_with_a_valid_belgian_vat_number(db):
    from io import StringIO

    from django.core.management import call_command

    from ecmp.tickets.models import Ticket

    call_command("seed_demo", stdout=StringIO())
    contract = Contract.objects.get(organization__name="Acme Industries")
    assert vat_number_clean(contract.vat_number) == contract.vat_number == "BE0403170701"
    assert contract.targets.count() == 2 and contract.hours.count() == 6
    assert ContractRate.objects.get(contract=contract).hourly_rate == Decimal("95.00")
    # The demo's Acme tickets are held to it, Globex's to none.
    assert set(Ticket.objects.values_list("organization__name", "contract")) == {
        ("Acme Industries", contract.pk),
        ("Globex", None),
    }


def test_reverse_charge_is_for_a_client_of_another_country_than_ours(acme, adam):
    from ecmp.billing.models import IssuerProfile

    IssuerProfile.objects.update_or_create(pk=1, defaults={"vat_number": "BE0403170701"})
    with pytest.raises(ValidationError) as refused:
        contract_version_create(
            by=adam,
            organization=acme,
            terms=terms(reverse_charge=True, vat_number="BE0403170701"),
            rates={},
        )
    assert "reverse_charge" in refused.value.message_dict
    assert not Contract.objects.exists()
    french = contract_version_create(
        by=adam,
        organization=acme,
        terms=terms(reverse_charge=True, vat_number="FR40303265045"),
        rates={},
    )
    assert french.reverse_charge


def test_a_version_an_invoice_quotes_is_kept_as_history(acme, alice, agnes, adam):
    """An invoice holds to the contract it was issued under, as tickets do: the version
    is then neither edited nor deleted (a refusal, not a database error)."""
    ticket = make_ticket(alice)  # before the contract: the ticket does not hold to it
    contract = contract_create(by=adam, organization=acme, terms=terms())
    log(ticket, agnes, date(2026, 2, 3))
    invoice = billing_services.invoice_issue(
        by=adam, organization=acme, start=date(2026, 2, 1), end=date(2026, 2, 28)
    )
    assert invoice.contract == contract
    with pytest.raises(ValidationError):
        contract_delete(by=adam, contract=contract)
    with pytest.raises(ValidationError):
        contract_update(by=adam, contract=contract, terms=terms(reference="Changed"))
    assert Contract.objects.filter(pk=contract.pk, reference="").exists()
