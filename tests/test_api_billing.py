"""/api/v1/invoices and a ticket's time: who reads what, as in the portal and the desk."""

import pytest
from django.core.cache import cache

from tests.api_helpers import api_as
from tests.factories import make_ticket
from tests.invoices_data import issue, log_time, make_contract, make_issuer, set_rate

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()


@pytest.fixture
def invoice(acme, alice, agnes, adam):
    set_rate(acme)
    make_issuer(adam, with_logo=False)
    make_contract(acme, payment_terms_days=15)
    log_time(make_ticket(alice), agnes, 90)
    return issue(adam, acme)


def test_invoices_as_the_pages_show_them(invoice, alice, bob, carol, agnes, adam):
    for who, expected in ((adam, [invoice.number]), (alice, [invoice.number])):
        listed = api_as(who).get("/invoices").json()
        assert [i["number"] for i in listed["items"]] == expected
        assert listed["next_cursor"] is None
    read = api_as(alice).get(f"/invoices/{invoice.pk}").json()
    assert read["organization"]["name"] == "Acme" and read["kind"] == "invoice"
    assert read["total_gross"] == str(invoice.total_gross)
    # Not a team manager, another company, an agent: none, and 404 by id.
    for who in (bob, carol, agnes):
        api = api_as(who)
        assert api.get("/invoices").json()["items"] == []
        for path in ("", "/pdf", "/ubl"):
            response = api.get(f"/invoices/{invoice.pk}{path}")
            assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)


def test_the_invoice_files(invoice, alice):
    api = api_as(alice)
    pdf = api.get(f"/invoices/{invoice.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    ubl = api.get(f"/invoices/{invoice.pk}/ubl")
    assert ubl.status_code == 200 and ubl["Content-Type"] == "application/xml"
    assert invoice.number.encode() in ubl.content


def test_a_ticket_s_time_for_the_support_team(alice, agnes):
    ticket = make_ticket(alice)
    log_time(ticket, agnes, 45, text="Replaced the toner")
    entries = api_as(agnes).get(f"/tickets/{ticket.number}/time-entries").json()
    assert [(e["minutes"], e["description"], e["activity"]) for e in entries] == [
        (45, "Replaced the toner", "Support")
    ]
    response = api_as(alice).get(f"/tickets/{ticket.number}/time-entries")
    assert response.status_code == 403
    assert api_as(agnes).get("/tickets/999999/time-entries").status_code == 404


def test_a_client_s_contract_and_hours_for_the_team_and_its_manager(
    acme, globex, alice, bob, carol, agnes, adam
):
    from decimal import Decimal

    from ecmp.billing.models import HourPack

    make_contract(acme, reference="ACME-2026", payment_terms_days=15)
    HourPack.objects.create(
        organization=acme, minutes=600, price=Decimal("800.00"), created_by=adam
    )
    log_time(make_ticket(alice), agnes, 90)
    for who in (agnes, alice):
        api = api_as(who)
        contract = api.get(f"/organizations/{acme.pk}/contract").json()
        assert contract["reference"] == "ACME-2026" and len(contract["targets"]) == 4
        hours = api.get(f"/organizations/{acme.pk}/hours").json()
        assert hours["included_hours"] == "10" and hours["left_hours"] == "8.5"
    # Not a manager, another company, a client without a contract or hours: 404.
    for who, organization in ((bob, acme), (carol, acme), (alice, globex), (agnes, globex)):
        for what in ("contract", "hours"):
            response = api_as(who).get(f"/organizations/{organization.pk}/{what}")
            assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
