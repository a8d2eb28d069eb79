"""The audit log (issue 16, section 5): written by the services that make a change,
in the same transaction; append-only; browsed, filtered and exported by admins."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts import services
from ecmp.accounts.audit import audit_record
from ecmp.accounts.audit_export import csv_cell
from ecmp.accounts.audit_selectors import AuditFilters, audit_event_list_for_admin
from ecmp.accounts.models import AuditEvent, Invitation, RegistrationRequest, Role, User
from ecmp.billing import services as billing
from ecmp.billing.models import Invoice
from ecmp.mail import outbound
from ecmp.mail.models import InboundEmail
from ecmp.mail.services import held_create_ticket, held_discard
from tests.factories import AgentFactory, OrganizationFactory, UserFactory
from tests.invoices_data import month_start, today
from tests.mailtools import build_mail
from tests.test_billing import acme_time, log, support  # noqa: F401

Kind = AuditEvent.Kind


def only_event(kind=None):
    events = AuditEvent.objects.all()
    if kind is not None:
        events = events.filter(kind=kind)
    (event,) = events
    return event


# --- Written by the services ------------------------------------------------------------


def test_a_role_change_records_who_whom_and_before_after(adam, bob):
    services.user_set_role(user=bob, by=adam, role=Role.AGENT, is_team_manager=False)
    event = only_event(Kind.ROLE_CHANGED)
    assert event.actor == adam and event.actor_label == "adam@support.test"
    assert (event.target_type, event.target_id) == ("user", str(bob.pk))
    assert "bob@acme.test" in event.target_label
    assert event.changes == {"role": ["customer", "agent"], "organization": ["Acme", None]}


def test_the_manager_flag_is_recorded_and_no_change_records_nothing(agnes, bob):
    services.user_set_role(user=bob, by=agnes, role=Role.CUSTOMER, is_team_manager=True)
    assert only_event(Kind.ROLE_CHANGED).changes == {"is_team_manager": [False, True]}
    services.user_set_role(user=bob, by=agnes, role=Role.CUSTOMER, is_team_manager=True)
    assert AuditEvent.objects.count() == 1


def test_a_refused_role_change_writes_nothing(agnes, bob):
    with pytest.raises(PermissionDenied):
        services.user_set_role(user=bob, by=agnes, role=Role.ADMIN, is_team_manager=False)
    assert not AuditEvent.objects.exists()


def test_deactivation_and_reactivation_through_the_desk_carry_the_address(adam, bob, client_for):
    desk = client_for(adam)
    url = reverse("desk:user-active", args=[bob.pk])
    desk.post(url, {"active": "0"}, REMOTE_ADDR="203.0.113.9")
    desk.post(url, {"active": "0"}, REMOTE_ADDR="203.0.113.9")  # already: nothing to record
    desk.post(url, {"active": "1"}, REMOTE_ADDR="203.0.113.9")
    # (Signing in is recorded too: only the activation events are looked at.)
    activation = [Kind.USER_DEACTIVATED, Kind.USER_ACTIVATED]
    off, on = AuditEvent.objects.filter(kind__in=activation).order_by("id")
    assert (off.kind, off.changes) == (Kind.USER_DEACTIVATED, {"is_active": [True, False]})
    assert (on.kind, on.changes) == (Kind.USER_ACTIVATED, {"is_active": [False, True]})
    assert off.address == on.address == "203.0.113.9"
    assert off.actor == adam and off.target_id == str(bob.pk)


def test_organization_creation_and_changes_record_the_changed_fields(agnes):
    org = services.organization_create(by=agnes, name="Initech", contract_notes="Gold")
    created = only_event(Kind.ORGANIZATION_CREATED)
    assert created.target_type == "organization" and created.target_id == str(org.pk)
    assert created.changes["name"] == [None, "Initech"]
    services.organization_update(
        organization=org,
        by=agnes,
        name="Initech SA",
        contract_notes="Gold",
        managers_see_all_tickets=True,
    )
    changed = only_event(Kind.ORGANIZATION_CHANGED)
    assert changed.changes == {
        "name": ["Initech", "Initech SA"],
        "managers_see_all_tickets": [False, True],
    }
    assert changed.target_label == "Initech SA"


def test_a_refused_organization_change_writes_nothing(agnes, acme, globex):
    with pytest.raises(ValidationError):
        services.organization_update(
            organization=acme,
            by=agnes,
            name="Globex",
            contract_notes="",
            managers_see_all_tickets=False,
        )
    assert not AuditEvent.objects.exists()


def test_priority_lock_and_deactivation_keep_the_reason(agnes, acme):
    services.organization_set_priority_lock(
        organization=acme, by=agnes, locked=True, reason="Everything is urgent"
    )
    services.organization_set_priority_lock(
        organization=acme, by=agnes, locked=False, reason="Talked to them"
    )
    services.organization_set_active(organization=acme, by=agnes, active=False, reason="Left")
    locked, unlocked, off = AuditEvent.objects.order_by("id")
    assert (locked.kind, locked.detail) == (Kind.PRIORITY_LOCKED, "Everything is urgent")
    assert locked.changes == {"priority_locked": [False, True]}
    assert (unlocked.kind, unlocked.detail) == (Kind.PRIORITY_UNLOCKED, "Talked to them")
    assert (off.kind, off.changes) == (Kind.ORGANIZATION_DEACTIVATED, {"active": [True, False]})
    with pytest.raises(ValidationError):  # nothing to change
        services.organization_set_active(organization=acme, by=agnes, active=False, reason="x")
    assert AuditEvent.objects.count() == 3


def test_the_log_and_the_change_are_one_transaction(agnes, acme, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the log is unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.organization_set_priority_lock(
            organization=acme, by=agnes, locked=True, reason="Urgent"
        )
    acme.refresh_from_db()
    assert not acme.priority_locked and not acme.events.exists()


def test_invitations_sent_and_revoked(agnes, acme):
    user = services.user_register(
        by=agnes, email="new@acme.test", full_name="New", organization=acme
    )
    sent = only_event(Kind.INVITATION_SENT)
    assert sent.actor == agnes and sent.target_id == str(user.pk)
    assert sent.detail == "registered as customer"
    assert services.invitation_revoke(user=user, by=agnes) == 1
    revoked = only_event(Kind.INVITATION_REVOKED)
    assert revoked.target_id == str(user.pk) and revoked.actor == agnes
    assert services.invitation_revoke(user=user, by=agnes) == 0  # nothing waiting: no event
    assert AuditEvent.objects.count() == 2


def test_a_renewed_link_is_recorded_without_an_actor(agnes, acme):
    user = services.user_register(
        by=agnes, email="late@acme.test", full_name="Late", organization=acme
    )
    invitation = Invitation.objects.get(user=user)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    invitation.refresh_from_db()
    services.invitation_renew(invitation=invitation)
    renewed = AuditEvent.objects.filter(kind=Kind.INVITATION_SENT).order_by("-id").first()
    assert renewed.actor is None and renewed.detail == "renewed from an expired link"


def test_an_approved_registration_request_is_an_invitation_sent(alice, agnes):
    request = services.registration_request_create(
        manager=alice, full_name="Dora", email="dora@acme.test"
    )
    user = services.registration_request_approve(request=request, by=agnes)
    event = only_event(Kind.INVITATION_SENT)
    assert event.actor == agnes and event.target_id == str(user.pk)
    assert event.detail == f"registration request #{request.pk} approved"


def test_a_failed_approval_leaves_neither_the_user_nor_the_event(alice, agnes, monkeypatch):
    request = services.registration_request_create(
        manager=alice, full_name="Dora", email="dora@acme.test"
    )

    def mail_down(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbound, "send_registration_answered", mail_down)
    with pytest.raises(RuntimeError):
        services.registration_request_approve(request=request, by=agnes)
    assert not User.objects.filter(email="dora@acme.test").exists()
    assert not AuditEvent.objects.exists()
    assert RegistrationRequest.objects.get().status == RegistrationRequest.Status.PENDING


def test_held_mail_released_or_discarded_names_the_sender(deliver, agnes, alice):
    kept = deliver(build_mail(sender="x@nowhere.test", subject="Held one"))
    dropped = deliver(build_mail(sender="y@nowhere.test", subject="Held two"))
    assert kept.status == dropped.status == InboundEmail.Status.HELD
    ticket = held_create_ticket(inbound=kept, by=agnes, requester=alice)
    held_discard(inbound=dropped, by=agnes)
    released = only_event(Kind.HELD_MAIL_RELEASED)
    assert released.actor == agnes and released.detail == "x@nowhere.test"
    assert (released.target_type, released.target_id) == ("inboundemail", str(kept.pk))
    assert released.changes == {"status": ["held", "processed"], "ticket": [None, ticket.number]}
    discarded = only_event(Kind.HELD_MAIL_DISCARDED)
    assert discarded.detail == "y@nowhere.test"
    assert discarded.changes == {"status": ["held", "discarded"]}
    with pytest.raises(ValidationError):  # handled already
        held_discard(inbound=kept, by=agnes)
    assert AuditEvent.objects.count() == 2


def test_invoices_issued_and_cancelled(acme_time, acme, adam, agnes):  # noqa: F811
    invoice = billing.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    issued = only_event(Kind.INVOICE_ISSUED)
    assert issued.actor == adam and issued.target_type == "invoice"
    assert issued.target_id == str(invoice.pk) and issued.target_label == invoice.number
    assert issued.detail.startswith(f"{invoice.number} to Acme")
    credit = billing.invoice_cancel(by=adam, invoice=invoice)
    cancelled = only_event(Kind.INVOICE_CANCELLED)
    assert cancelled.target_id == str(invoice.pk)
    assert cancelled.changes == {"status": ["issued", "cancelled"]}
    assert credit.number in cancelled.detail
    with pytest.raises(ValidationError):
        billing.invoice_cancel(by=adam, invoice=invoice)
    with pytest.raises(PermissionDenied):
        billing.invoice_issue(by=agnes, organization=acme, start=month_start(), end=today())
    assert AuditEvent.objects.count() == 2
    assert Invoice.objects.count() == 2


# --- Append-only -----------------------------------------------------------------------


def test_the_log_cannot_be_changed_or_removed_through_the_orm(adam, bob):
    event = audit_record(Kind.USER_DEACTIVATED, actor=adam, target=bob)
    with pytest.raises(TypeError):
        AuditEvent.objects.update(detail="nothing happened")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    event.detail = "edited"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    event.refresh_from_db()
    assert event.detail == "" and event.actor_label == "adam@support.test"


# --- The desk page --------------------------------------------------------------------


def rows_of(response) -> str:
    """The table of events (the event names are in the filter's select too)."""
    assert response.status_code == 200
    return response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_only_admins_read_the_log(adam, agnes, alice, client_for):
    for url in (reverse("desk:audit"), reverse("desk:audit-csv")):
        assert client_for(agnes).get(url).status_code == 403
        assert client_for(alice).get(url).status_code == 403
        assert client_for(adam).get(url).status_code == 200
    with pytest.raises(PermissionDenied):
        audit_event_list_for_admin(agnes)


def test_the_navigation_shows_the_log_to_admins(adam, agnes, client_for):
    link = f'href="{reverse("desk:audit")}"'
    assert link in client_for(adam).get(reverse("desk:home")).content.decode()
    assert link not in client_for(agnes).get(reverse("desk:home")).content.decode()


def test_the_page_shows_each_event_newest_first(adam, agnes, bob, acme, client_for):
    services.user_set_role(user=bob, by=adam, role=Role.CUSTOMER, is_team_manager=True)
    services.organization_set_priority_lock(
        organization=acme, by=agnes, locked=True, reason="Everything is urgent"
    )
    page = rows_of(client_for(adam).get(reverse("desk:audit")))
    assert page.index("Priority locked to Normal") < page.index("Role changed")
    assert f'href="{reverse("desk:organization", args=[acme.pk])}">Acme</a>' in page
    assert "is_team_manager:</span> False → True" in page
    assert "Everything is urgent" in page and "agnes@support.test" in page


def test_filters_narrow_the_log(adam, agnes, bob, carol, acme):
    services.user_set_active(user=bob, by=agnes, active=False)
    services.user_set_active(user=carol, by=adam, active=False)
    services.organization_set_active(organization=acme, by=adam, active=False, reason="Gone")
    AuditEvent.objects.create(
        kind=Kind.SIGN_IN,
        at=timezone.now() - timedelta(days=10),
        actor=bob,
        actor_label=bob.email,
        address="198.51.100.7",
    )

    def kinds(**filters):
        return sorted(
            audit_event_list_for_admin(adam, AuditFilters(**filters)).values_list("kind", flat=True)
        )

    assert kinds(kind=Kind.USER_DEACTIVATED) == [Kind.USER_DEACTIVATED] * 2
    assert kinds(person="CAROL@globex") == [Kind.USER_DEACTIVATED]
    assert kinds(person="agnes") == [Kind.USER_DEACTIVATED]
    assert kinds(target_type="organization") == [Kind.ORGANIZATION_DEACTIVATED]
    assert kinds(address="198.51.100.7") == [Kind.SIGN_IN]
    assert kinds(address="198.51.") == [Kind.SIGN_IN]
    today = timezone.localdate()
    assert Kind.SIGN_IN not in kinds(since=today)
    assert kinds(until=today - timedelta(days=5)) == [Kind.SIGN_IN]
    assert kinds(since=today - timedelta(days=10), until=today - timedelta(days=10)) == [
        Kind.SIGN_IN
    ]


def test_the_page_filters_from_the_query_and_survives_bad_input(adam, agnes, bob, client_for):
    services.user_set_active(user=bob, by=agnes, active=False)
    audit_record(Kind.SIGN_IN, actor=adam, address="192.0.2.1")
    desk = client_for(adam)
    page = rows_of(desk.get(reverse("desk:audit"), {"kind": Kind.SIGN_IN}))
    assert "Signed in" in page and "User deactivated" not in page
    for bad in ({"since": "yesterday"}, {"address": "<script>"}, {"kind": "nope"}, {"page": "x"}):
        response = desk.get(reverse("desk:audit"), bad)
        assert response.status_code == 200
        assert "User deactivated" in rows_of(response)  # the bad filter is left out
    assert desk.get(reverse("desk:audit"), {"person": "a\x00b"}).status_code == 200


def test_a_page_costs_the_same_queries_whatever_its_length(adam, client_for, settings):
    settings.ECMP_LIST_PAGE_SIZE = 50
    desk = client_for(adam)
    orgs = [OrganizationFactory() for _ in range(3)]
    for org in orgs:
        audit_record(
            Kind.ORGANIZATION_CHANGED, actor=adam, target=org, changes={"name": ["a", "b"]}
        )
    desk.get(reverse("desk:audit"))  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        desk.get(reverse("desk:audit"))
    for n in range(40):
        agent = AgentFactory()
        audit_record(Kind.ROLE_CHANGED, actor=agent, target=UserFactory(), changes={"role": [n, n]})
    with CaptureQueriesContext(connection) as many:
        response = desk.get(reverse("desk:audit"))
    # 43 events and the desk's own sign-in ones, all on the one page.
    assert rows_of(response).count("<tr>") == AuditEvent.objects.count() > 43
    assert len(many) == len(few)


# --- Export ---------------------------------------------------------------------------


def read_csv(response):
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_streams_the_filtered_events_safe_for_spreadsheets(adam, agnes, client_for):
    org = services.organization_create(by=agnes, name='=HYPERLINK("http://evil.test")')
    services.organization_set_priority_lock(
        organization=org, by=agnes, locked=True, reason="@SUM(1+1)"
    )
    audit_record(Kind.SIGN_IN, actor=adam)
    desk = client_for(adam)
    before = AuditEvent.objects.count()
    response = desk.get(reverse("desk:audit-csv"), {"target_type": "organization"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *rows = read_csv(response)
    assert header[:4] == ["at", "kind", "event", "by"]
    assert [row[1] for row in rows] == [Kind.PRIORITY_LOCKED, Kind.ORGANIZATION_CREATED]
    locked = dict(zip(header, rows[0], strict=True))
    assert locked["object"] == '\'=HYPERLINK("http://evil.test")'
    assert locked["detail"] == "'@SUM(1+1)"
    assert locked["changes"] == "priority_locked: False → True"
    assert locked["by"] == "agnes@support.test"
    # Exporting reads: it is not itself recorded.
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2", "'-2"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    assert csv_cell(value) == cell
