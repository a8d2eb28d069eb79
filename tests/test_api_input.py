"""What the database cannot store never reaches it through the API: NUL characters
and lone surrogates in JSON, which schemathesis sent to the Alertmanager receiver
(a 500 on PostgreSQL), are dropped or replaced by the API's parser."""

import json

from django.test import Client

from ecmp.alerts.models import AlertMapping
from ecmp.tickets.models import Ticket
from tests.api_helpers import api_as, token_for
from tests.test_api_alerts import alertmanager, am_alert


def test_nul_characters_in_an_alertmanager_notice_are_dropped(agnes, alice, acme):
    AlertMapping.objects.create(label="customer", value="acme", organization=acme, requester=alice)
    api = api_as(agnes)
    notice = alertmanager(
        am_alert(customer="ac\x00me", summary="x"),
        am_alert(fingerprint="f\x00f", customer="\x00"),
    )
    response = api.post("/alerts/alertmanager/", notice)
    # The first alert's label, cleaned, is "acme"; the second's is empty: no mapping.
    assert response.status_code == 422, response.content
    assert Ticket.objects.count() == 0


def test_a_ticket_created_with_nul_and_a_lone_surrogate_is_stored_clean(alice):
    _token, secret = token_for(alice)
    # A lone surrogate cannot be written by json.dumps with ensure_ascii=False: the
    # escaped form, as a hostile client would send it.
    body = json.dumps({"subject": "Printer\x00 on fire", "description": "Smoke \ud800 seen"})
    response = Client().post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer on fire"
    assert "\x00" not in ticket.description and "\ud800" not in ticket.description
    assert ticket.description.startswith("Smoke ")


def test_nul_in_a_query_string_is_dropped(alice):
    response = api_as(alice).get("/tickets", {"q": "printer\x00"})
    assert response.status_code == 200, response.content
