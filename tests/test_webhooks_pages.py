"""The admins' webhook pages (issue 21 §3): admins only, POST with CSRF for every
change, a clear message for bad input, constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import AuditEvent
from ecmp.webhooks import services
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint

PUBLIC = "https://93.184.215.14/hooks"


def make_endpoint(adam, url=PUBLIC, **values):
    values.setdefault("events", ["ticket.created"])
    return services.endpoint_create(by=adam, url=url, **values)


def add_deliveries(endpoint, count):
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_type="ticket.created",
            msg_id=f"msg_{endpoint.pk}_{n}",
            payload={"type": "ticket.created"},
            status="failed" if n % 2 else "delivered",
            attempts=1,
            response_status=500 if n % 2 else 200,
            response_ms=12,
            response_excerpt="<b>oops</b>",
            next_attempt_at=now,
        )
        for n in range(count)
    )


@pytest.fixture
def endpoint(adam):
    return make_endpoint(adam)


def pages(endpoint):
    return [
        reverse("desk:webhooks"),
        reverse("desk:webhook-new"),
        reverse("desk:webhook-detail", args=[endpoint.pk]),
        reverse("desk:webhook-edit", args=[endpoint.pk]),
    ]


def test_an_agent_is_refused_every_page_and_action(client_for, agnes, endpoint):
    agent = client_for(agnes)
    for url in pages(endpoint):
        assert agent.get(url).status_code == 403
    add_deliveries(endpoint, 1)
    delivery = WebhookDelivery.objects.get()
    for url in [
        reverse("desk:webhook-new"),
        reverse("desk:webhook-rotate", args=[endpoint.pk]),
        reverse("desk:webhook-enable", args=[endpoint.pk]),
        reverse("desk:webhook-redeliver", args=[endpoint.pk, delivery.pk]),
    ]:
        assert agent.post(url, {"url": "https://93.184.215.15/"}).status_code == 403
    assert WebhookEndpoint.objects.get().secret == endpoint.secret
    assert WebhookEndpoint.objects.count() == 1


def test_a_customer_is_refused(client_for, alice, endpoint):
    assert client_for(alice).get(reverse("desk:webhooks")).status_code == 403


def test_the_admin_sees_the_list_and_the_log(client_for, adam, endpoint):
    add_deliveries(endpoint, 2)
    admin = client_for(adam)
    listing = admin.get(reverse("desk:webhooks")).content.decode()
    assert PUBLIC in listing and "Ticket created" in listing
    detail = admin.get(reverse("desk:webhook-detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in detail and "Delivery log" in detail
    assert "&lt;b&gt;oops&lt;/b&gt;" in detail and "<b>oops</b>" not in detail


def test_an_admin_adds_an_endpoint(client_for, adam):
    response = client_for(adam).post(
        reverse("desk:webhook-new"),
        {
            "url": "https://93.184.215.14/in",
            "description": "Chat",
            "events": ["ticket.created", "note.created"],
            "internal": "on",
            "active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:webhook-detail", args=[endpoint.pk])
    assert endpoint.events == ["note.created", "ticket.created"] and endpoint.internal
    assert endpoint.created_by == adam
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://127.0.0.1/", "events": ["ticket.created"]}, "public addresses"),
        ({"url": "http://localhost/", "events": ["ticket.created"]}, "public addresses"),
        ({"url": "ftp://93.184.215.14/", "events": ["ticket.created"]}, "Only http://"),
        ({"url": PUBLIC, "events": ["nope"]}, "Select a valid choice"),
        ({"url": PUBLIC}, "This field is required"),
    ],
)
def test_bad_input_is_a_clear_message_and_changes_nothing(client_for, adam, data, message):
    response = client_for(adam).post(reverse("desk:webhook-new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_edits_an_endpoint(client_for, adam, endpoint):
    url = reverse("desk:webhook-edit", args=[endpoint.pk])
    response = client_for(adam).post(
        url, {"url": "https://93.184.215.15/new", "events": ["invoice.paid"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.15/new" and endpoint.events == ["invoice.paid"]
    assert not endpoint.active  # the box was left unticked
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).latest("pk")
    assert event.changes["events"] == [["ticket.created"], ["invoice.paid"]]
    refused = client_for(adam).post(url, {"url": "http://10.0.0.1/", "events": ["invoice.paid"]})
    assert refused.status_code == 400
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.215.15/new"


def test_rotating_the_secret(client_for, adam, endpoint):
    response = client_for(adam).post(reverse("desk:webhook-rotate", args=[endpoint.pk]))
    assert response.status_code == 302
    old = endpoint.secret
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    assert AuditEvent.objects.filter(detail__contains="secret rotated").exists()


def test_enabling_an_active_endpoint_is_refused_with_a_message(client_for, adam, endpoint):
    response = client_for(adam).post(
        reverse("desk:webhook-enable", args=[endpoint.pk]), follow=True
    )
    assert "already active" in response.content.decode()


def test_redeliver_of_another_endpoints_delivery_is_404(client_for, adam, endpoint):
    other = make_endpoint(adam, url="https://93.184.215.15/")
    add_deliveries(other, 1)
    delivery = WebhookDelivery.objects.get()
    url = reverse("desk:webhook-redeliver", args=[endpoint.pk, delivery.pk])
    assert client_for(adam).post(url).status_code == 404
    assert client_for(adam).get(reverse("desk:webhook-detail", args=[99999])).status_code == 404


def test_redeliver_puts_the_delivery_back_in_the_queue(
    client_for, adam, endpoint, django_capture_on_commit_callbacks
):
    add_deliveries(endpoint, 2)
    failed = WebhookDelivery.objects.get(status="failed")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(adam).post(
            reverse("desk:webhook-redeliver", args=[endpoint.pk, failed.pk])
        )
    assert response.status_code == 302 and len(callbacks) == 1
    failed.refresh_from_db()
    assert failed.status == "pending" and failed.first_attempt_at is None


def test_writes_need_post_and_csrf(adam, endpoint):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(adam, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    assert strict.post(reverse("desk:webhook-rotate", args=[endpoint.pk])).status_code == 403
    assert strict.get(reverse("desk:webhook-rotate", args=[endpoint.pk])).status_code == 405
    assert strict.post(reverse("desk:webhook-new"), {"url": PUBLIC}).status_code == 403
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_query_counts_do_not_grow_with_rows(client_for, adam, endpoint):
    admin = client_for(adam)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    listing = reverse("desk:webhooks")
    log = reverse("desk:webhook-detail", args=[endpoint.pk])
    add_deliveries(endpoint, 1)
    one = count(listing), count(log)
    for n in range(5):
        make_endpoint(adam, url=f"https://93.184.215.{20 + n}/", internal=bool(n % 2))
    WebhookDelivery.objects.all().delete()
    add_deliveries(endpoint, 12)
    assert (count(listing), count(log)) == one
