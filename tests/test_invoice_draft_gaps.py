"""The draft warns before issuing when the issuer's or the client's details would make
a poor e-invoice (issue 19 §4): an issued invoice keeps them for good."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from ecmp.billing.clients import Client
from ecmp.billing.einvoice.gaps import einvoice_gaps
from tests.factories import make_ticket
from tests.invoices_data import log_time, make_contract, make_issuer, month_start, set_rate, today


def draft_page(client, organization) -> str:
    response = client.get(
        reverse("desk:invoice-draft"),
        {"organization": organization.pk, "start": month_start(), "end": today()},
    )
    assert response.status_code == 200
    return response.content.decode()


def warning_of(page: str) -> str:
    """The warning's text, tags removed; empty without a warning."""
    match = re.search(
        r'<div class="alert alert-warning" id="einvoice-gaps">(.*?)</div>', page, re.S
    )
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


@pytest.fixture
def time_to_bill(acme, alice, agnes):
    set_rate(acme)
    log_time(make_ticket(alice), agnes, 60)


def test_complete_details_give_no_warning(client_for, acme, adam, time_to_bill):
    make_issuer(adam)
    make_contract(acme)
    assert warning_of(draft_page(client_for(adam), acme)) == ""


def test_without_issuer_details_or_contract_the_draft_lists_what_is_missing(
    client_for, acme, adam, time_to_bill
):
    page = draft_page(client_for(adam), acme)
    warning = warning_of(page)
    assert "Missing in the issuer details: legal name, address, VAT number, IBAN" in warning
    assert "Missing in the client's contract: billing address" in warning
    # Where to fill them in: the issuer page and the client's page (its contract).
    assert f'href="{reverse("desk:issuer")}"' in page
    assert f'href="{reverse("desk:organization", args=[acme.pk])}"' in page
    # A warning, not a refusal: the draft can still be issued.
    assert reverse("desk:invoice-issue") in page


def test_only_the_missing_details_are_listed(client_for, acme, adam, time_to_bill):
    make_issuer(adam, iban="", bic="")
    make_contract(acme, reverse_charge=True, vat_number="")
    warning = warning_of(draft_page(client_for(adam), acme))
    assert "Missing in the issuer details: IBAN ·" in warning
    assert "Missing in the client's contract: VAT number" in warning
    assert "billing address" not in warning and "legal name" not in warning


def test_the_clients_vat_number_is_needed_only_under_reverse_charge(acme, adam):
    make_issuer(adam)
    with_vat = Client(name="Acme", address="Rue 1\n1000 Bruxelles", vat_number="BE0428759497")
    assert not einvoice_gaps(with_vat)
    assert not einvoice_gaps(Client(name="Acme", address="Rue 1\n1000 Bruxelles"))
    reverse_charge = Client(name="Acme", address="Rue 1", reverse_charge=True)
    assert einvoice_gaps(reverse_charge).client == ["VAT number"]
    blank = Client(name="Acme", address="  \n ", vat_number=" ", reverse_charge=True)
    assert einvoice_gaps(blank).client == ["billing address", "VAT number"]
    assert einvoice_gaps(blank).issuer == []


def test_the_labels_are_in_the_readers_language(db):
    with translation.override("fr"):
        gaps = einvoice_gaps(Client(name="Acme"))
    assert gaps.issuer[0] == "dénomination légale"
    assert gaps.client == ["adresse de facturation"]


def test_agents_do_not_see_the_draft(client_for, acme, agnes, time_to_bill):
    response = client_for(agnes).get(
        reverse("desk:invoice-draft"),
        {"organization": acme.pk, "start": month_start(), "end": today()},
    )
    assert response.status_code == 403
