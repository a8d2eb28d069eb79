"""Personal data (issue 16, section 6): a person's copy of their data, and erasure."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecmp.accounts import services as accounts
from ecmp.accounts.models import AuditEvent, Invitation, RegistrationRequest, Role
from ecmp.accounts.removals import removal_request_create
from ecmp.billing import services as billing
from ecmp.billing.models import ActivityType, Invoice
from ecmp.notifications.models import Notification
from ecmp.privacy import export as export_module
from ecmp.privacy.erasure import FORMER_USER, person_erase
from ecmp.privacy.export import personal_data_export
from ecmp.tickets.models import Attachment
from ecmp.tickets.services import ticket_reply
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import TEST_PASSWORD, UserFactory, make_ticket, upload
from tests.invoices_data import today

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


@pytest.fixture
def alice_data(alice, bob, agnes):
    """Alice's ticket with her file, an agent's reply and internal note, a
    colleague's ticket she wrote on, time and a notification."""
    ticket = make_ticket(
        alice, subject="Printer on fire", files=[upload("shot.png", PNG)], acknowledge=False
    )
    ticket_reply(ticket=ticket, author=agnes, body="We are on it.")
    ticket_reply(ticket=ticket, author=agnes, body="SECRET internal note", internal=True)
    ticket_reply(ticket=ticket, author=alice, body="Thanks!", files=[upload("log.png", PNG)])
    other = make_ticket(bob, subject="Bob's ticket", acknowledge=False)
    ticket_reply(ticket=other, author=bob, body="Bob alone")
    billing.time_entry_create(
        ticket=ticket,
        agent=agnes,
        day=today(),
        minutes=45,
        activity_type=ActivityType.objects.get(name="Support"),
        description="Replaced the fuser",
        billable=True,
    )
    Notification.objects.create(recipient=alice, ticket=ticket, event=ticket.events.last())
    return ticket, other


def read_zip(content: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("data.json")), archive


# --- Export -------------------------------------------------------------------------------


def test_a_person_downloads_their_data_as_a_zip_of_json_and_files(alice_data, alice, client_for):
    ticket, _other = alice_data
    response = client_for(alice).post(reverse("portal:my-data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    data, archive = read_zip(b"".join(response.streaming_content))

    assert data["profile"]["email"] == "alice@acme.test"
    assert data["profile"]["organization"] == "Acme"
    assert data["profile"]["role"] == "customer"
    assert [t["number"] for t in data["tickets"]] == [ticket.number]
    assert data["tickets"][0]["subject"] == "Printer on fire"
    texts = [m["text"] for m in data["messages"]]
    assert "We are on it." in texts and "Thanks!" in texts
    assert not any("SECRET" in text for text in texts)
    assert "Bob alone" not in texts
    assert {a["name"] for a in data["attachments"]} == {"shot.png", "log.png"}
    for attachment in data["attachments"]:
        assert archive.read(attachment["file"]) == PNG
    assert data["time_entries"] == [
        {
            "ticket": ticket.number,
            "date": today().isoformat(),
            "minutes": 45,
            "activity": "Support",
            "billable": True,
            "logged_by_you": False,
        }
    ]
    assert [n["ticket"] for n in data["notifications"]] == [ticket.number]
    assert "SECRET" not in json.dumps(data)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DATA_EXPORTED)
    assert (event.actor, event.target_id) == (alice, str(alice.pk))


def test_the_export_holds_the_removal_requests_about_and_by_the_person(alice, bob):
    """Alice (a team manager) asked to remove Bob: Bob's copy holds the request about
    him, Alice's the one she wrote."""
    removal_request_create(manager=alice, person=bob, reason="Left the company on Friday")
    bobs = json.loads(zipfile.ZipFile(personal_data_export(user=bob, by=bob)).read("data.json"))
    alices = json.loads(
        zipfile.ZipFile(personal_data_export(user=alice, by=alice)).read("data.json")
    )
    assert [(r["about"], r["requested_by"], r["reason"]) for r in bobs["removal_requests"]] == [
        ("you", alice.full_name, "Left the company on Friday")
    ]
    assert [(r["about"], r["requested_by"]) for r in alices["removal_requests"]] == [
        (bob.full_name, "you")
    ]
    assert [r["status"] for r in bobs["removal_requests"]] == ["pending"]


def test_the_export_is_a_post(alice, client_for):
    assert client_for(alice).get(reverse("portal:my-data")).status_code == 405
    assert Client().post(reverse("portal:my-data")).status_code == 302  # to sign in
    csrf_checked = Client(enforce_csrf_checks=True)
    csrf_checked.force_login(alice, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    assert csrf_checked.post(reverse("portal:my-data")).status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.DATA_EXPORTED).exists()


def test_an_admin_downloads_anyones_data_still_without_internal_notes(
    alice_data, alice, adam, client_for
):
    response = client_for(adam).post(reverse("desk:person-export", args=[alice.pk]))
    assert response.status_code == 200
    data, _archive = read_zip(b"".join(response.streaming_content))
    assert data["profile"]["email"] == "alice@acme.test"
    assert "SECRET" not in json.dumps(data)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DATA_EXPORTED)
    assert (event.actor, event.target_id) == (adam, str(alice.pk))


def test_nobody_else_exports_someone_elses_data(alice, bob, agnes, client_for):
    url = reverse("desk:person-export", args=[bob.pk])
    # Customers are refused on every desk page; for an agent, nobody is there.
    assert client_for(alice).post(url).status_code == 403
    assert client_for(bob).post(url).status_code == 403
    assert client_for(agnes).post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        personal_data_export(user=bob, by=agnes)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.DATA_EXPORTED).exists()


def test_an_agent_downloads_their_own_data(agnes, client_for):
    response = client_for(agnes).post(reverse("portal:my-data"))
    assert response.status_code == 200
    data, _archive = read_zip(b"".join(response.streaming_content))
    assert data["profile"]["role"] == "agent"


def test_the_export_costs_the_same_queries_for_one_or_many_tickets(alice, agnes):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            personal_data_export(user=alice, by=alice).close()
        return len(captured)

    make_ticket(alice, subject="One", files=[upload("a.png", PNG)], acknowledge=False)
    few = queries()
    for n in range(4):
        ticket = make_ticket(alice, subject=f"More {n}", acknowledge=False)
        ticket_reply(ticket=ticket, author=agnes, body="Reply")
        ticket_reply(ticket=ticket, author=alice, body="Mine", files=[upload("b.png", PNG)])
    assert queries() == few


def test_a_large_export_goes_to_a_temporary_file(alice, monkeypatch):
    monkeypatch.setattr(export_module, "SPOOL_BYTES", 10)
    make_ticket(alice, subject="Big", files=[upload("a.png", PNG)], acknowledge=False)
    spooled = personal_data_export(user=alice, by=alice)
    assert spooled._rolled  # on disk, not in memory
    data, archive = read_zip(spooled.read())
    assert archive.read(data["attachments"][0]["file"]) == PNG


# --- Erasure -----------------------------------------------------------------------------


def _issued_invoice(ticket, agnes, adam):
    billing.time_entry_create(
        ticket=ticket,
        agent=agnes,
        day=today(),
        minutes=30,
        activity_type=ActivityType.objects.get(name="Support"),
        description="Work on the printer",
        billable=True,
    )
    return billing.invoice_issue(
        by=adam, organization=ticket.organization, start=today() - timedelta(days=1), end=today()
    )


def _invoice_snapshot(invoice):
    invoice = Invoice.objects.get(pk=invoice.pk)
    lines = list(invoice.lines.order_by("pk").values())
    return (invoice.total_net, invoice.total_vat, invoice.total_gross, invoice.number), lines


def test_erasure_anonymises_the_person_and_keeps_what_must_stay(
    alice_data, alice, agnes, adam, client_for, django_capture_on_commit_callbacks
):
    ticket, _other = alice_data
    invoice = _issued_invoice(ticket, agnes, adam)
    before = _invoice_snapshot(invoice)
    waiting = Invitation.objects.create(
        user=alice, token_hash="x" * 64, expires_at=timezone.now() + timedelta(days=3)
    )
    session_client = client_for(alice)
    assert session_client.get(reverse("portal:dashboard")).status_code == 200
    TOTPDevice.objects.create(user=alice, name="phone")
    StaticDevice.objects.create(user=alice, name="backup")
    other_session = client_for(adam)
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.SIGN_IN, actor=alice, actor_label=alice.email, target_label=""
    )
    stored = [a.file.name for a in Attachment.objects.filter(uploaded_by=alice)]
    storage = Attachment.objects.first().file.storage
    assert all(storage.exists(name) for name in stored)

    with django_capture_on_commit_callbacks(execute=True):
        result = person_erase(user=alice, by=adam, delete_files=True)

    alice.refresh_from_db()
    assert alice.full_name == FORMER_USER
    assert alice.email == f"erased-{alice.pk}@erased.invalid"
    assert alice.username is None
    assert not alice.is_active and not alice.has_usable_password()
    assert not alice.is_team_manager
    waiting.refresh_from_db()
    assert waiting.revoked_at is not None
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    assert not Notification.objects.filter(recipient=alice).exists()
    assert result.sessions_ended == 1
    signed_out = session_client.get(reverse("portal:dashboard"))
    assert signed_out["Location"].startswith(reverse("accounts:login"))
    assert other_session.get(reverse("desk:home")).status_code == 200
    assert Session.objects.count() == 1
    # Messages stay, written by "Former user"; her files are gone from storage.
    assert ticket.messages.filter(author=alice, body="Thanks!").exists()
    page = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).text
    assert "Former user" in page and "Alice Martin" not in page
    assert not Attachment.objects.filter(uploaded_by=alice).exists()
    assert not any(storage.exists(name) for name in stored)
    # Invoices are legal records: byte for byte as issued.
    assert _invoice_snapshot(invoice) == before
    assert {line["requester_name"] for line in before[1]} == {"Alice Martin"}
    # The audit log no longer names her; the erasure itself is recorded.
    assert not AuditEvent.objects.filter(actor_label="alice@acme.test").exists()
    assert not AuditEvent.objects.filter(target_label__contains="alice@acme.test").exists()
    erased = AuditEvent.objects.get(kind=AuditEvent.Kind.USER_ERASED)
    assert (erased.actor, erased.target_id) == (adam, str(alice.pk))
    assert erased.target_label == str(alice)
    assert "Alice" not in json.dumps(erased.changes) + erased.detail


def test_erasure_drops_the_webhook_deliveries_that_name_the_person(alice, bob, adam):
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.test/in", events=["ticket.created"], secret="whsec_x"
    )

    def delivery(n, person, status=WebhookDelivery.Status.DELIVERED):
        data = {"requester": {"name": person.full_name, "email": person.email.upper()}}
        return WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="ticket.created",
            msg_id=f"msg_{n}",
            payload={"type": "ticket.created", "data": data},
            status=status,
        )

    delivery(1, alice)
    delivery(2, alice, WebhookDelivery.Status.PENDING)
    in_flight = delivery(3, alice, WebhookDelivery.Status.DELIVERING)
    bobs = delivery(4, bob)
    # An address that ends with hers is someone else's: kept.
    bob.email = "xalice@acme.test"
    longer = delivery(5, bob)
    person_erase(user=alice, by=adam)
    kept = {in_flight.pk, bobs.pk, longer.pk}
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == kept


def test_files_stay_unless_the_admin_asks(alice_data, alice, adam):
    person_erase(user=alice, by=adam)
    assert Attachment.objects.filter(uploaded_by=alice).count() == 2


def test_an_erased_person_cannot_sign_in_and_the_address_is_free(alice, adam):
    person_erase(user=alice, by=adam)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "alice@acme.test", "password": TEST_PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    newcomer = accounts.user_register(
        by=adam,
        email="alice@acme.test",
        full_name="Alice Newcomer",
        role=Role.CUSTOMER,
        organization=alice.organization,
        is_team_manager=False,
    )
    assert newcomer.pk != alice.pk
    alice.refresh_from_db()
    assert alice.email != "alice@acme.test"


def test_registration_requests_for_the_address_are_anonymised(alice, bob, adam):
    request = RegistrationRequest.objects.create(
        organization=alice.organization,
        requested_by=alice,
        full_name="Bob Durand",
        email="bob@acme.test",
        note="He is Bob",
    )
    person_erase(user=bob, by=adam)
    request.refresh_from_db()
    assert (request.full_name, request.note) == (FORMER_USER, "")
    assert request.email == f"erased-{bob.pk}@erased.invalid"


def test_who_may_erase_whom(alice, bob, agnes, adam):
    with pytest.raises(PermissionDenied):
        person_erase(user=bob, by=agnes)
    with pytest.raises(PermissionDenied):
        person_erase(user=bob, by=alice)
    with pytest.raises(ValidationError):
        person_erase(user=adam, by=adam)
    person_erase(user=agnes, by=adam)  # staff may be erased by an admin
    with pytest.raises(ValidationError):
        person_erase(user=agnes, by=adam)  # once


def test_the_last_active_admin_is_never_erased(adam):
    other = UserFactory(email="eve@support.test", role=Role.ADMIN, organization=None)
    person_erase(user=other, by=adam)  # another admin remains: adam
    assert not type(adam).objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=adam.pk)
    # adam is now the last: nobody but adam could erase him, and not himself.
    with pytest.raises(ValidationError):
        person_erase(user=adam, by=adam)


def test_erasure_through_the_desk_asks_for_the_email(alice_data, alice, adam, client_for):
    admin = client_for(adam)
    url = reverse("desk:person-erase", args=[alice.pk])
    page = admin.get(url)
    assert page.status_code == 200 and "alice@acme.test" in page.text
    wrong = admin.post(url, {"confirm_email": "bob@acme.test", "delete_files": "on"})
    assert wrong.status_code == 200
    alice.refresh_from_db()
    assert alice.full_name == "Alice Martin"
    done = admin.post(url, {"confirm_email": "ALICE@acme.test"})
    assert done.status_code == 302
    assert done["Location"] == reverse("desk:organization", args=[alice.organization_id])
    alice.refresh_from_db()
    assert alice.full_name == FORMER_USER
    assert Attachment.objects.filter(uploaded_by=alice).count() == 2


def test_only_admins_reach_the_erasure(alice, bob, agnes, client_for):
    url = reverse("desk:person-erase", args=[bob.pk])
    for who, refused in ((alice, 403), (agnes, 404)):
        assert client_for(who).get(url).status_code == refused
        assert client_for(who).post(url, {"confirm_email": "bob@acme.test"}).status_code == refused
    bob.refresh_from_db()
    assert bob.full_name == "Bob Durand"


def test_the_buttons_are_on_the_pages(alice, adam, agnes, client_for):
    admin = client_for(adam)
    organization = admin.get(reverse("desk:organization", args=[alice.organization_id])).text
    assert reverse("desk:person-export", args=[alice.pk]) in organization
    assert reverse("desk:person-erase", args=[alice.pk]) in organization
    team = admin.get(reverse("desk:team")).text
    assert reverse("desk:person-export", args=[agnes.pk]) in team
    assert reverse("desk:person-erase", args=[agnes.pk]) in team
    assert reverse("desk:person-erase", args=[adam.pk]) not in team
    agent_view = client_for(agnes).get(reverse("desk:organization", args=[alice.organization_id]))
    assert reverse("desk:person-erase", args=[alice.pk]) not in agent_view.text
    account = client_for(alice).get("/accounts/me/").text
    assert reverse("portal:my-data") in account
