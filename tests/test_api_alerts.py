"""Monitoring alerts become tickets (issue 21 §2): POST /api/v1/alerts/ and the
Alertmanager receiver. One ticket per alert while it is not closed, repeats counted,
"resolved" as an internal note, the storm of 1,000 posts one ticket."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from ecmp.alerts.models import AlertGroup, AlertMapping
from ecmp.alerts.services import alert_receive
from ecmp.api.alerts import BODY_MAX
from ecmp.tickets.models import Message, Ticket
from ecmp.tickets.services import ticket_transition
from ecmp.tickets.status import Channel, Priority, Status
from tests.api_helpers import ApiClient, api_as, token_for
from tests.factories import UserFactory

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def alert(**fields):
    return {"dedup_key": "db1-disk-full", "title": "Disk full on db1", **fields}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


# --- Our own JSON ----------------------------------------------------------------------


def test_the_first_alert_opens_a_ticket_for_the_token_s_owner(alice):
    response = api_as(alice).post(
        "/alerts/",
        alert(description="/var is 99% full", severity="critical", starts_at="2026-12-06T10:00Z"),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert body == {"ticket": ticket.number, "count": 1, "status": "opened"}
    assert (ticket.requester, ticket.organization) == (alice, alice.organization)
    assert ticket.subject == "Disk full on db1"
    assert ticket.priority == Priority.URGENT and ticket.channel == Channel.WEB
    assert ticket.description.startswith("/var is 99% full")
    assert "db1-disk-full" in ticket.description and "critical" in ticket.description
    assert not ticket.messages.exists()


def test_repeats_count_on_the_open_ticket_without_a_message_each(alice):
    api = api_as(alice)
    first = api.post("/alerts/", alert()).json()
    answers = [api.post("/alerts/", alert()) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert answers[-1].json() == {"ticket": first["ticket"], "count": 5, "status": "counted"}
    assert Ticket.objects.count() == 1 and not Message.objects.exists()
    group = AlertGroup.objects.get()
    assert group.count == 5 and group.open and group.last_seen >= group.first_seen


def test_an_hour_of_repeats_is_told_in_one_internal_note(alice):
    api = api_as(alice)
    api.post("/alerts/", alert())
    api.post("/alerts/", alert())
    AlertGroup.objects.update(noted_at=timezone.now() - timedelta(minutes=61))
    api.post("/alerts/", alert())
    api.post("/alerts/", alert())
    note = Message.objects.get()
    assert note.internal and "2 more times" in note.body and "3 in all" in note.body


def test_resolved_adds_one_internal_note_and_a_repeat_of_it_nothing(alice):
    api = api_as(alice)
    number = api.post("/alerts/", alert()).json()["ticket"]
    api.post("/alerts/", alert())
    resolved = api.post("/alerts/", alert(status="resolved"))
    assert resolved.status_code == 200
    assert resolved.json() == {"ticket": number, "count": 2, "status": "resolved"}
    again = api.post("/alerts/", alert(status="resolved")).json()
    assert again["status"] == "ignored"
    note = Message.objects.get()
    assert note.internal and note.body.startswith("Resolved at") and "after 2 alerts" in note.body
    assert Ticket.objects.get().status == Status.NEW  # closing is the agent's call


def test_a_firing_after_resolved_counts_on_the_open_ticket_again(alice):
    api = api_as(alice)
    number = api.post("/alerts/", alert()).json()["ticket"]
    api.post("/alerts/", alert(status="resolved"))
    again = api.post("/alerts/", alert())
    assert again.json() == {"ticket": number, "count": 2, "status": "counted"}
    assert Message.objects.filter(body__startswith="The alert fires again").count() == 1
    assert AlertGroup.objects.get().resolved_at is None


def test_a_firing_after_an_agent_closed_the_ticket_opens_a_new_one(alice, agnes):
    api = api_as(alice)
    first = api.post("/alerts/", alert()).json()["ticket"]
    ticket = Ticket.objects.get(number=first)
    ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    second = api.post("/alerts/", alert())
    assert second.status_code == 201 and second.json()["ticket"] != first
    assert Ticket.objects.count() == 2
    assert list(AlertGroup.objects.order_by("pk").values_list("open", "count")) == [
        (False, 1),
        (True, 1),
    ]
    assert Ticket.objects.get(number=first).status == Status.CLOSED


def test_resolved_with_nothing_open_changes_nothing(alice):
    answer = api_as(alice).post("/alerts/", alert(status="resolved"))
    assert answer.json() == {"ticket": None, "count": 0, "status": "ignored"}
    assert not Ticket.objects.exists() and not AlertGroup.objects.exists()


def test_a_staff_token_names_the_organization_and_the_requester(alice, bob, agnes, acme):
    api = api_as(agnes)
    response = api.post(
        "/alerts/", alert(organization=acme.pk, requester=bob.pk, severity="warning")
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.organization, ticket.priority) == (bob, acme, Priority.NORMAL)
    # Without a requester: the company's team manager (alice).
    api.post("/alerts/", alert(dedup_key="other", organization=acme.pk))
    assert Ticket.objects.get(subject="Disk full on db1", requester=alice)


@pytest.mark.parametrize(
    ("fields", "code"),
    [({}, "organization"), ({"organization": 999_999}, "organization")],
)
def test_a_staff_token_without_a_known_organization_is_422(agnes, fields, code):
    body = assert_problem(api_as(agnes).post("/alerts/", alert(**fields)), 422)
    assert body["code"] == code and body["detail"]
    assert not Ticket.objects.exists() and not AlertGroup.objects.exists()


def test_a_staff_token_may_not_name_another_company_s_user(agnes, acme, carol):
    body = assert_problem(
        api_as(agnes).post("/alerts/", alert(organization=acme.pk, requester=carol.pk)), 422
    )
    assert body["code"] == "requester"
    assert not Ticket.objects.exists()


def test_a_customer_token_never_touches_another_company(alice, carol, globex):
    carol_number = api_as(carol).post("/alerts/", alert()).json()["ticket"]
    # The same key from Acme is Acme's own alert, not Globex's ticket.
    mine = api_as(alice).post("/alerts/", alert())
    assert mine.status_code == 201 and mine.json()["ticket"] != carol_number
    refused = api_as(alice).post("/alerts/", alert(organization=globex.pk))
    assert assert_problem(refused, 422)["code"] == "organization"
    carols = Ticket.objects.get(number=carol_number)
    assert carols.organization == globex and AlertGroup.objects.get(ticket=carols).count == 1


def test_a_read_token_is_403_and_changes_nothing(alice):
    _token, secret = token_for(alice, scope="read")
    assert_problem(ApiClient(secret).post("/alerts/", alert()), 403)
    assert_problem(ApiClient(secret).post("/alerts/alertmanager/", {"alerts": []}), 403)
    assert_problem(ApiClient(None).post("/alerts/", alert()), 401)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"title": "no key"},
        alert(dedup_key=""),
        alert(title=""),
        alert(status="burning"),
        alert(dedup_key="k" * 201),
        alert(organization="acme"),
        alert(starts_at="yesterday"),
    ],
)
def test_bad_input_is_a_422_problem_and_changes_nothing(alice, data):
    assert_problem(api_as(alice).post("/alerts/", data), 422)
    assert not Ticket.objects.exists() and not AlertGroup.objects.exists()


def test_bad_json_and_an_oversized_body_are_problems(alice):
    api = api_as(alice)
    bad = api.client.post(
        "/api/v1/alerts/", "{not json", content_type="application/json", headers=api.headers
    )
    assert bad.status_code in (400, 422) and bad["Content-Type"].startswith(PROBLEM)
    huge = json.dumps(alert(description="x" * BODY_MAX))
    too_big = api.client.post(
        "/api/v1/alerts/", huge, content_type="application/json", headers=api.headers
    )
    assert_problem(too_big, 413)
    assert not Ticket.objects.exists()


def test_alerts_have_their_own_rate_budget(alice, settings):
    settings.ECMP_API_RATE_PER_MINUTE = 2
    settings.ECMP_API_ALERT_RATE_PER_MINUTE = 5
    api = api_as(alice)
    answers = [api.post("/alerts/", alert()).status_code for _ in range(6)]
    assert answers == [201, 200, 200, 200, 200, 429]
    assert api.get("/tickets").status_code == 200  # the general budget is untouched
    assert AlertGroup.objects.get().count == 5


def test_the_resolved_note_is_invisible_to_the_customer(alice, agnes, client_for):
    api = api_as(alice)
    number = api.post("/alerts/", alert(description="Disk /var full")).json()["ticket"]
    api.post("/alerts/", alert(status="resolved"))
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[number]))
    assert page.status_code == 200
    assert "Disk /var full" in page.content.decode()
    assert "Resolved at" not in page.content.decode()
    assert all(not m["internal"] for m in api.get(f"/tickets/{number}").json()["messages"])
    assert api.get(f"/tickets/{number}").json()["messages"] == []
    staff = api_as(agnes).get(f"/tickets/{number}").json()["messages"]
    assert [m["internal"] for m in staff] == [True] and staff[0]["body"].startswith("Resolved")
    desk = client_for(agnes).get(reverse("desk:ticket-detail", args=[number]))
    assert "Resolved at" in desk.content.decode()


def test_a_staff_token_s_notes_are_its_owner_s(alice, agnes, acme):
    api = api_as(agnes)
    api.post("/alerts/", alert(organization=acme.pk))
    api.post("/alerts/", alert(organization=acme.pk, status="resolved"))
    note = Message.objects.get()
    assert note.internal and note.author == agnes


# --- The storm -------------------------------------------------------------------------

STORM_SEQUENTIAL = 1000


def test_the_alert_storm_creates_one_ticket(alice):
    api = api_as(alice)
    answers = [api.post("/alerts/", alert()) for _ in range(STORM_SEQUENTIAL)]
    assert {a.status_code for a in answers[1:]} == {200} and answers[0].status_code == 201
    assert Ticket.objects.count() == 1
    group = AlertGroup.objects.get()
    assert group.count == STORM_SEQUENTIAL and answers[-1].json()["count"] == STORM_SEQUENTIAL
    assert not Message.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_concurrent_alert_storm_creates_one_ticket_on_postgresql(alice):
    """Eight connections post at once (each thread its own): the first firings race
    for the open group, and the unique constraint leaves one ticket."""
    threads_count, per_thread = 8, 125
    _token, secret = token_for(alice)
    start = threading.Barrier(threads_count, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def poster():
        try:
            api = ApiClient(secret)
            start.wait()
            for _ in range(per_thread):
                code = api.post("/alerts/", alert()).status_code
                with lock:
                    statuses.append(code)
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poster) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(statuses) == [200] * (threads_count * per_thread - 1) + [201]
    assert Ticket.objects.count() == 1
    assert AlertGroup.objects.get().count == threads_count * per_thread


def test_the_service_retries_a_lost_race_into_the_winner_s_group(alice, monkeypatch):
    """The race's loser: its group insert is refused by the unique constraint, its
    transaction (its ticket too) rolled back; the retry finds the winner's group,
    committed meanwhile, and counts into it. (The real race: the PostgreSQL test.)"""
    from django.db import IntegrityError

    from ecmp.alerts import services

    real = services._receive
    attempts = []

    def racing(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            real(**kwargs)  # opens a ticket, then loses the race:
            raise IntegrityError("UNIQUE constraint failed: alert_group_one_open")
        if len(attempts) == 2:  # the winner's group, committed while we lost
            winner = services._ticket_open(
                by=alice,
                requester=alice,
                dedup_key="db1-disk-full",
                title="Disk full",
                description="",
                severity="",
                starts_at=timezone.now(),
            )
            AlertGroup.objects.create(
                organization=alice.organization,
                dedup_key="db1-disk-full",
                ticket=winner,
                source="api",
                posted_by=alice,
            )
        return real(**kwargs)

    monkeypatch.setattr(services, "_receive", racing)
    result = alert_receive(
        by=alice,
        organization=alice.organization,
        requester=alice,
        dedup_key="db1-disk-full",
        title="Disk full",
    )
    assert len(attempts) == 2
    assert result.outcome == "counted" and result.count == 2
    assert Ticket.objects.count() == 1 and AlertGroup.objects.get().ticket == result.ticket


# --- Alertmanager ----------------------------------------------------------------------


def alertmanager(*alerts, status="firing"):
    """A notice as Alertmanager 0.27 sends it (webhook version 4)."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "ecmp",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull", "customer": "acme"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.test:9093",
        "alerts": list(alerts),
    }


def am_alert(fingerprint="c3a1b2d4e5f60718", status="firing", customer="acme", **labels):
    return {
        "status": status,
        "labels": {
            "alertname": "DiskFull",
            "instance": "db1:9100",
            "severity": "critical",
            "customer": customer,
            **labels,
        },
        "annotations": {
            "summary": "Disk almost full on db1",
            "description": "/var is 97% full on db1:9100",
        },
        "startsAt": "2026-12-06T09:58:13.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-06T10:20:00Z",
        "generatorURL": "http://prometheus.example.test:9090/graph?g0.expr=node_filesystem",
        "fingerprint": fingerprint,
    }


@pytest.fixture
def acme_mapping(acme, alice):
    return AlertMapping.objects.create(
        label="customer", value="acme", organization=acme, requester=alice
    )


def test_alertmanager_alerts_open_tickets_by_mapping(agnes, alice, acme_mapping):
    api = api_as(agnes)
    response = api.post(
        "/alerts/alertmanager/", alertmanager(am_alert(), am_alert(fingerprint="ffff0001"))
    )
    assert response.status_code == 200, response.content
    answers = response.json()["alerts"]
    assert [a["status"] for a in answers] == ["opened", "opened"]
    ticket = Ticket.objects.get(number=answers[0]["ticket"])
    assert (ticket.requester, ticket.organization) == (alice, alice.organization)
    assert ticket.subject == "Disk almost full on db1" and ticket.priority == Priority.URGENT
    assert "/var is 97% full" in ticket.description and "instance=db1:9100" in ticket.description
    group = AlertGroup.objects.get(ticket=ticket)
    assert group.dedup_key == "c3a1b2d4e5f60718" and group.source == "alertmanager"
    # Alertmanager repeats the notice, then resolves one alert.
    api.post("/alerts/alertmanager/", alertmanager(am_alert()))
    resolved = api.post(
        "/alerts/alertmanager/", alertmanager(am_alert(status="resolved"), status="resolved")
    ).json()["alerts"]
    assert resolved == [{"ticket": ticket.number, "count": 2, "status": "resolved"}]
    assert Ticket.objects.count() == 2
    assert ticket.messages.get().internal


def test_an_alert_no_mapping_matches_refuses_the_whole_notice(agnes, acme_mapping):
    response = api_as(agnes).post(
        "/alerts/alertmanager/", alertmanager(am_alert(), am_alert("f2", customer="initech"))
    )
    body = assert_problem(response, 422)
    assert body["code"] == "mapping" and "alert mapping" in body["detail"]
    assert not Ticket.objects.exists() and not AlertGroup.objects.exists()


def test_a_customer_s_alertmanager_needs_no_mapping(bob):
    response = api_as(bob).post("/alerts/alertmanager/", alertmanager(am_alert(customer="x")))
    ticket = Ticket.objects.get(number=response.json()["alerts"][0]["ticket"])
    assert ticket.requester == bob


def test_an_alert_without_fingerprint_is_keyed_by_its_labels(bob):
    api = api_as(bob)
    api.post("/alerts/alertmanager/", alertmanager(am_alert(fingerprint="")))
    api.post("/alerts/alertmanager/", alertmanager(am_alert(fingerprint="")))
    api.post("/alerts/alertmanager/", alertmanager(am_alert(fingerprint="", instance="db2")))
    assert sorted(AlertGroup.objects.values_list("count", flat=True)) == [1, 2]


@pytest.mark.parametrize(
    "notice",
    [
        {"alerts": [{"status": "pending"}]},
        {"alerts": [{"status": "firing", "labels": {"a": 5}}]},
        {"alerts": "none"},
        {"alerts": [am_alert()] * 1001},
        {"alerts": [{**am_alert(), "labels": {f"l{i}": "v" for i in range(101)}}]},
    ],
)
def test_a_malformed_alertmanager_notice_is_422(bob, notice):
    assert_problem(api_as(bob).post("/alerts/alertmanager/", notice), 422)
    assert not Ticket.objects.exists()


def test_alert_endpoints_are_in_the_schema(alice):
    paths = api_as(alice).get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/alerts/"] and "post" in paths["/api/v1/alerts/alertmanager/"]


def test_an_inactive_requester_is_refused(agnes, acme):
    UserFactory(organization=acme, is_team_manager=True, is_active=False)
    body = assert_problem(api_as(agnes).post("/alerts/", alert(organization=acme.pk)), 422)
    assert body["code"] == "requester"


# --- The desk's mapping page -----------------------------------------------------------


def test_admins_add_and_remove_alert_mappings(adam, alice, client_for):
    from ecmp.accounts.models import AuditEvent

    desk = client_for(adam)
    page = desk.get(reverse("desk:alert-mappings"))
    assert page.status_code == 200 and "No alert mappings yet." in page.content.decode()
    added = desk.post(
        reverse("desk:alert-mapping-new"),
        {"label": "customer", "value": "acme", "requester": "ALICE@acme.test"},
    )
    assert added.status_code == 302
    mapping = AlertMapping.objects.get()
    assert (mapping.label, mapping.value, mapping.requester, mapping.organization) == (
        "customer",
        "acme",
        alice,
        alice.organization,
    )
    assert "customer=acme" in desk.get(reverse("desk:alert-mappings")).content.decode()
    twice = desk.post(
        reverse("desk:alert-mapping-new"),
        {"label": "customer", "value": "acme", "requester": "alice@acme.test"},
    )
    assert twice.status_code == 400 and "already a mapping" in twice.content.decode()
    removed = desk.post(reverse("desk:alert-mapping-delete", args=[mapping.pk]))
    assert removed.status_code == 302 and not AlertMapping.objects.exists()
    assert AuditEvent.objects.filter(kind="alert_mapping_changed").count() == 2
    log = desk.get(reverse("desk:audit"))
    assert log.status_code == 200 and "customer=acme" in log.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"label": "", "value": "acme", "requester": "alice@acme.test"},
        {"label": "customer", "value": "acme", "requester": "nobody@acme.test"},
        {"label": "customer", "value": "acme", "requester": "agnes@support.test"},
        {"label": "customer", "value": "acme", "requester": "not an email"},
    ],
)
def test_a_bad_mapping_is_refused_with_a_message(adam, alice, agnes, client_for, data):
    page = client_for(adam).post(reverse("desk:alert-mapping-new"), data)
    assert page.status_code == 400 and "invalid-feedback" in page.content.decode()
    assert not AlertMapping.objects.exists()


def test_the_mapping_page_is_for_admins_only(agnes, alice, acme_mapping, client_for):
    for person in (agnes, alice):
        client = client_for(person)
        assert client.get(reverse("desk:alert-mappings")).status_code in (403, 404)
        client.post(
            reverse("desk:alert-mapping-new"),
            {"label": "customer", "value": "x", "requester": "alice@acme.test"},
        )
        client.post(reverse("desk:alert-mapping-delete", args=[acme_mapping.pk]))
    assert list(AlertMapping.objects.all()) == [acme_mapping]


def test_the_mapping_page_s_writes_need_csrf(adam, alice, acme_mapping):
    from django.test import Client

    from tests.conftest import AUTH_BACKEND

    client = Client(enforce_csrf_checks=True)
    client.force_login(adam, backend=AUTH_BACKEND)
    assert (
        client.post(reverse("desk:alert-mapping-delete", args=[acme_mapping.pk])).status_code == 403
    )
    assert (
        client.get(reverse("desk:alert-mapping-delete", args=[acme_mapping.pk])).status_code == 405
    )
    assert AlertMapping.objects.exists()


def test_the_mapping_page_reads_a_constant_number_of_queries(
    adam, acme, client_for, django_assert_max_num_queries
):
    from tests.factories import OrganizationFactory

    desk = client_for(adam)
    AlertMapping.objects.create(
        label="customer", value="0", organization=acme, requester=UserFactory(organization=acme)
    )
    with django_assert_max_num_queries(30) as one:
        desk.get(reverse("desk:alert-mappings"))
    for n in range(1, 8):
        org = OrganizationFactory()
        AlertMapping.objects.create(
            label="customer",
            value=str(n),
            organization=org,
            requester=UserFactory(organization=org),
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = desk.get(reverse("desk:alert-mappings"))
    assert page.content.decode().count("<code>customer=") == 8


def test_a_colleague_s_token_never_counts_on_a_ticket_it_may_not_see(alice, bob):
    number = api_as(bob).post("/alerts/", alert()).json()["ticket"]
    body = assert_problem(api_as(alice).post("/alerts/", alert(status="resolved")), 422)
    assert body["code"] == "dedup_key" and str(number) not in body["detail"]
    assert AlertGroup.objects.get().count == 1 and not Message.objects.exists()


def test_an_alert_s_ticket_sends_the_client_no_email(alice, agnes, acme, run_on_commit):
    """A machine opened it: no acknowledgement (which an agent's ticket for a caller
    gets); the notes are internal: no email either."""
    from ecmp.mail.models import OutboundEmail

    for api, extra in ((api_as(alice), {}), (api_as(agnes), {"organization": acme.pk})):
        key = {"dedup_key": f"key-{len(extra)}", **extra}
        run_on_commit(lambda api=api, key=key: api.post("/alerts/", alert(**key)))
        run_on_commit(lambda api=api, key=key: api.post("/alerts/", alert(**key)))
        run_on_commit(
            lambda api=api, key=key: api.post("/alerts/", alert(status="resolved", **key))
        )
    assert Ticket.objects.count() == 2 and Message.objects.filter(internal=True).count() == 2
    assert not OutboundEmail.objects.filter(to=["alice@acme.test"]).exists()
