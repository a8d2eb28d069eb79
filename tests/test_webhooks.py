"""Webhooks (issue 21 §3): events become signed deliveries, sent to a local HTTP
server started by the test, retried, logged, and an endpoint that keeps failing is
disabled with an email to the admins."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook

from ecmp.accounts.models import AuditEvent
from ecmp.billing.payments import payment_record
from ecmp.billing.sending import invoice_send
from ecmp.tickets.services import (
    ticket_assign,
    ticket_reply,
    ticket_set_priority,
    ticket_transition,
)
from ecmp.tickets.status import Priority, Status
from ecmp.webhooks import services
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from ecmp.webhooks.tasks import webhook_deliver, webhook_log_expire, webhook_sweep
from tests.factories import make_ticket
from tests.invoice_sending_data import issued_invoice
from tests.invoices_data import log_time, today
from tests.webhook_server import Receiver

ALL_TICKET = [
    "ticket.created",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.priority_changed",
    "message.created",
    "note.created",
]


@pytest.fixture
def receiver(settings):
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    settings.ECMP_WEBHOOK_TIMEOUT = 0.3
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def endpoint(adam, receiver):
    def make(events=ALL_TICKET, internal=False, url=None):
        return services.endpoint_create(
            by=adam, url=url or receiver.url, events=events, internal=internal
        )

    return make


def verified(endpoint, request):
    """The request's payload, after checking its signature with the library."""
    _path, headers, body = request
    lower = {name.lower(): value for name, value in headers.items()}
    return Webhook(endpoint.secret).verify(body, lower)


def test_a_ticket_created_reaches_the_endpoint_signed(run_on_commit, endpoint, receiver, alice):
    hook = endpoint()
    ticket = run_on_commit(lambda: make_ticket(alice, subject="Printer on fire"))
    assert len(receiver.requests) == 1
    payload = verified(hook, receiver.requests[0])
    assert payload["type"] == "ticket.created"
    data = payload["data"]["ticket"]
    assert data["number"] == ticket.number and data["subject"] == "Printer on fire"
    assert data["requester"] == {"name": "Alice Martin", "email": "alice@acme.test"}
    assert data["organization"]["name"] == "Acme"
    assert data["url"].endswith(f"/desk/tickets/{ticket.number}/")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 1
    assert delivery.response_status == 200 and delivery.response_excerpt == "answer 200"
    assert delivery.response_ms is not None
    headers = {k.lower(): v for k, v in receiver.requests[0][1].items()}
    assert headers["webhook-id"] == delivery.msg_id


def test_a_tampered_body_fails_verification(run_on_commit, endpoint, receiver, alice):
    hook = endpoint()
    run_on_commit(lambda: make_ticket(alice))
    path, headers, body = receiver.requests[0]
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        verified(hook, (path, headers, body.replace(b"Acme", b"Evil")))


def test_internal_notes_go_only_to_internal_endpoints(
    run_on_commit, endpoint, receiver, alice, agnes
):
    public = endpoint(events=["message.created", "note.created"])
    internal = endpoint(events=["message.created", "note.created"], internal=True)
    ticket = make_ticket(alice)
    run_on_commit(
        lambda: ticket_reply(ticket=ticket, author=agnes, body="Secret plan", internal=True)
    )
    run_on_commit(lambda: ticket_reply(ticket=ticket, author=agnes, body="We are on it"))
    by_endpoint = {}
    for delivery in WebhookDelivery.objects.select_related("endpoint"):
        by_endpoint.setdefault(delivery.endpoint_id, []).append(delivery.event_type)
    assert sorted(by_endpoint[internal.pk]) == ["message.created", "note.created"]
    assert by_endpoint[public.pk] == ["message.created"]
    bodies = [r[2] for r in receiver.requests]
    assert sum(b"Secret plan" in body for body in bodies) == 1
    note = next(json.loads(b) for b in bodies if b"Secret plan" in b)
    assert note["type"] == "note.created"
    assert note["data"]["message"]["author"]["name"] == "Agnes Agent"
    assert note["data"]["message"]["internal"] is True


def test_events_not_subscribed_are_not_sent(run_on_commit, endpoint, receiver, alice, agnes):
    endpoint(events=["ticket.assigned"])
    ticket = run_on_commit(lambda: make_ticket(alice))
    assert receiver.requests == []
    run_on_commit(lambda: ticket_assign(ticket=ticket, actor=agnes, assignee=agnes))
    assert len(receiver.requests) == 1
    payload = json.loads(receiver.requests[0][2])
    assert payload["type"] == "ticket.assigned"
    assert payload["data"]["change"]["to"] == {"name": "Agnes Agent", "email": agnes.email}
    assert payload["data"]["ticket"]["assignee"]["email"] == agnes.email


def test_status_and_priority_changes_say_from_and_to(
    run_on_commit, endpoint, receiver, alice, agnes
):
    endpoint(events=["ticket.status_changed", "ticket.priority_changed"])
    ticket = run_on_commit(lambda: make_ticket(alice))
    run_on_commit(lambda: ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN))
    run_on_commit(
        lambda: ticket_set_priority(
            ticket=ticket, actor=agnes, priority=Priority.URGENT, reason="Down"
        )
    )
    status, priority = (json.loads(r[2]) for r in receiver.requests)
    assert status["type"] == "ticket.status_changed"
    assert status["data"]["change"] == {"from": Status.NEW, "to": Status.OPEN}
    assert status["data"]["actor"]["name"] == "Agnes Agent"
    assert priority["type"] == "ticket.priority_changed"
    assert priority["data"]["change"]["to"] == str(Priority.URGENT.value)
    assert priority["data"]["ticket"]["priority"] == Priority.URGENT


def test_a_disabled_endpoint_gets_nothing(run_on_commit, endpoint, receiver, alice, adam):
    hook = endpoint()
    services.endpoint_update(by=adam, endpoint=hook, url=hook.url, events=hook.events, active=False)
    run_on_commit(lambda: make_ticket(alice))
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_billing_events_reach_the_endpoint(run_on_commit, endpoint, receiver, adam, agnes, alice):
    endpoint(events=["time_entry.created", "invoice.issued", "invoice.sent", "invoice.paid"])
    invoice = run_on_commit(lambda: issued_invoice(adam, agnes, alice))
    run_on_commit(lambda: invoice_send(by=adam, invoice=invoice))
    run_on_commit(
        lambda: payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("40.00"))
    )
    run_on_commit(
        lambda: payment_record(by=adam, invoice=invoice, date=today(), amount=Decimal("56.80"))
    )
    types = [json.loads(r[2])["type"] for r in receiver.requests]
    assert types == ["time_entry.created", "invoice.issued", "invoice.sent", "invoice.paid"]
    entry = json.loads(receiver.requests[0][2])["data"]
    assert entry["minutes"] == 60 and entry["agent"]["name"] == "Agnes Agent"
    paid = json.loads(receiver.requests[3][2])["data"]
    assert paid["number"] == invoice.number and paid["status"] == "paid"
    assert paid["total_gross"] == "96.80" and paid["amount_paid"] == "96.80"


def test_a_500_is_retried_with_back_off_then_delivered(run_on_commit, endpoint, receiver, alice):
    hook = endpoint()
    receiver.answers = [500]
    before = timezone.now()
    run_on_commit(lambda: make_ticket(alice))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500 and delivery.error == "HTTP 500"
    assert before + timedelta(seconds=5) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=5)
    assert WebhookEndpoint.objects.get(pk=hook.pk).consecutive_failures == 1
    # Not due yet: the sweep leaves it.
    assert webhook_sweep.call() == 0
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    assert webhook_sweep.call() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2
    assert WebhookEndpoint.objects.get(pk=hook.pk).consecutive_failures == 0
    ids = {dict((k.lower(), v) for k, v in r[1].items())["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.msg_id}  # the same message, twice
    verified(hook, receiver.requests[1])


def test_a_timeout_is_a_failed_attempt(run_on_commit, endpoint, receiver, alice):
    endpoint()
    receiver.answers = ["sleep"]
    run_on_commit(lambda: make_ticket(alice))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.response_status is None and "Timeout" in delivery.error


def test_the_back_off_grows(run_on_commit, endpoint, receiver, alice):
    endpoint()
    receiver.default = 503
    run_on_commit(lambda: make_ticket(alice))
    delays = []
    for _round in range(4):
        delivery = WebhookDelivery.objects.get()
        delays.append(delivery.next_attempt_at - timezone.now())
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        webhook_sweep.call()
    assert delays[0] <= timedelta(seconds=5) < delays[1] <= timedelta(minutes=5)
    assert timedelta(minutes=5) < delays[2] <= timedelta(minutes=30) < delays[3]


def test_after_a_day_a_delivery_fails_for_good(run_on_commit, endpoint, receiver, alice):
    endpoint()
    receiver.default = 500
    run_on_commit(lambda: make_ticket(alice))
    WebhookDelivery.objects.update(
        first_attempt_at=timezone.now() - timedelta(hours=24, seconds=1),
        next_attempt_at=timezone.now(),
    )
    webhook_sweep.call()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 2
    assert webhook_sweep.call() == 0


def test_repeated_failures_disable_the_endpoint_and_tell_the_admins(
    run_on_commit, endpoint, receiver, settings, alice, adam
):
    settings.ECMP_WEBHOOK_DISABLE_AFTER = 3
    hook = endpoint()
    receiver.default = 500
    for _n in range(2):
        run_on_commit(lambda: make_ticket(alice))
    # Failing for over an hour, then a third failed attempt in a row.
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(minutes=61))
    run_on_commit(lambda: make_ticket(alice))
    hook.refresh_from_db()
    assert not hook.active and hook.disabled_at is not None and hook.consecutive_failures == 3
    to_admin = [m for m in mail.outbox if m.to == [adam.email] and "Webhook" in m.subject]
    assert len(to_admin) == 1 and hook.url in to_admin[0].subject
    assert "failed 3 times in a row" in to_admin[0].body
    assert f"/desk/settings/webhooks/{hook.pk}/" in to_admin[0].body
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.WEBHOOK_CHANGED, detail__contains="disabled"
    ).exists()
    # Disabled: a new event makes no delivery, the pending ones wait.
    run_on_commit(lambda: make_ticket(alice))
    assert len(receiver.requests) == 3
    receiver.default = 200
    run_on_commit(lambda: services.endpoint_enable(by=adam, endpoint=hook))
    assert len(receiver.requests) == 6
    assert WebhookDelivery.objects.filter(status="delivered").count() == 3


def test_a_burst_of_failures_within_minutes_does_not_disable_the_endpoint(
    run_on_commit, endpoint, receiver, settings, alice
):
    """A receiver restarting while ten tickets arrive: ten failed attempts in seconds."""
    settings.ECMP_WEBHOOK_DISABLE_AFTER = 3
    hook = endpoint()
    receiver.default = 500
    for _n in range(5):
        run_on_commit(lambda: make_ticket(alice))
    hook.refresh_from_db()
    assert hook.active and hook.consecutive_failures == 5
    receiver.default = 200
    run_on_commit(lambda: make_ticket(alice))
    hook.refresh_from_db()
    assert hook.active and hook.consecutive_failures == 0 and hook.failing_since is None


def test_a_failing_endpoint_for_a_day_is_disabled(run_on_commit, endpoint, receiver, alice):
    hook = endpoint()
    receiver.default = 500
    WebhookEndpoint.objects.update(failing_since=timezone.now() - timedelta(hours=25))
    run_on_commit(lambda: make_ticket(alice))
    hook.refresh_from_db()
    assert not hook.active and hook.consecutive_failures == 1


def test_redeliver_by_hand_sends_the_same_message_again(
    run_on_commit, endpoint, receiver, alice, adam
):
    endpoint()
    run_on_commit(lambda: make_ticket(alice))
    delivery = WebhookDelivery.objects.get()
    run_on_commit(lambda: services.delivery_redeliver(by=adam, delivery=delivery))
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert receiver.requests[0][2] == receiver.requests[1][2]


def test_the_action_never_fails_when_the_endpoint_is_down(run_on_commit, endpoint, settings, alice):
    hook = endpoint(url="http://127.0.0.1:9/nothing-listens")
    ticket = run_on_commit(lambda: make_ticket(alice))
    assert ticket.pk is not None
    delivery = WebhookDelivery.objects.get(endpoint=hook)
    assert delivery.status == "pending" and "Connect" in delivery.error
    assert mail.outbox  # the ticket's own emails went out all the same


def test_the_action_never_fails_when_the_subscriber_errs(
    run_on_commit, endpoint, receiver, monkeypatch, alice
):
    endpoint()

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "deliveries_create", broken)
    ticket = run_on_commit(lambda: make_ticket(alice))
    assert ticket.events.get().dispatched_at is not None  # notifications, emails: done
    assert receiver.requests == []


def test_a_billing_subscriber_that_errs_never_fails_the_billing_action(
    run_on_commit, endpoint, receiver, monkeypatch, alice, agnes
):
    endpoint(events=["time_entry.created"])
    ticket = make_ticket(alice)

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "deliveries_create", broken)
    entry = run_on_commit(lambda: log_time(ticket, agnes, 30))
    assert entry.pk is not None and receiver.requests == []


def test_a_task_given_an_unknown_id_does_nothing(db):
    assert webhook_deliver.call([123456]) == {"skipped": 1}


def test_the_sweep_takes_back_what_a_dead_worker_held(run_on_commit, endpoint, receiver, alice):
    endpoint()
    receiver.default = 500
    run_on_commit(lambda: make_ticket(alice))
    receiver.default = 200
    # A worker claimed it, then died: its lease runs out.
    WebhookDelivery.objects.update(
        status=WebhookDelivery.Status.DELIVERING,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert webhook_sweep.call() == 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_finished_deliveries_leave_the_log_after_30_days(run_on_commit, endpoint, receiver, alice):
    endpoint()
    receiver.answers = [200, 500]
    run_on_commit(lambda: make_ticket(alice))
    run_on_commit(lambda: make_ticket(alice))
    old = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.update(created_at=old)
    assert webhook_log_expire.call() == 1  # the delivered one; the pending one stays
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
