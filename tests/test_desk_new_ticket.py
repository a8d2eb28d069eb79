"""Tickets for callers (issue 18 §1): an agent opens a ticket in a client user's name
from the desk; the requester is chosen with a picker over active client users."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.selectors import customers_for_picker
from ecmp.tickets.models import Attachment, EventKind, Ticket, TicketEvent
from ecmp.tickets.services.create import ticket_create_for_caller
from ecmp.tickets.status import Channel, Priority
from tests.factories import OrganizationFactory, UserFactory, upload

pytestmark = pytest.mark.django_db

NEW = reverse("desk:ticket-new")
PICKER = reverse("desk:people-picker")


def fields(requester, **data):
    return {
        "who": "",
        "requester": requester.pk if requester is not None else "",
        "subject": "Printer jammed",
        "description": "Called at 9:10: the second floor printer jams on every page.",
        "priority": Priority.NORMAL,
        "channel": Channel.PHONE,
        "acknowledge": "on",
        **data,
    }


def to_customer(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_an_agent_opens_a_ticket_for_a_caller_and_it_is_the_customers(
    client_for, agnes, bob, run_on_commit
):
    client = client_for(agnes)
    response = run_on_commit(lambda: client.post(NEW, fields(bob, priority=Priority.HIGH)))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket-detail", args=[ticket.number])
    assert ticket.requester == bob and ticket.organization_id == bob.organization_id
    assert ticket.channel == Channel.PHONE and ticket.priority == Priority.HIGH
    created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.actor == agnes  # the thread says who opened it
    # The desk ticket page shows the channel and who opened it.
    page = client.get(response["Location"]).content.decode()
    assert "Phone" in page and "Agnes Agent" in page
    # The customer sees it in their portal, as their own.
    portal = client_for(bob)
    assert ticket.subject in portal.get(reverse("portal:service-desk")).content.decode()
    detail = portal.get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert detail.status_code == 200 and "Agnes Agent" in detail.content.decode()


def test_the_acknowledgement_goes_to_the_customer_when_asked_email_channel(
    client_for, agnes, bob, run_on_commit
):
    client = client_for(agnes)
    run_on_commit(lambda: client.post(NEW, fields(bob, channel=Channel.EMAIL)))
    (message,) = to_customer(bob.email)
    assert "We received your request" in message.subject


def test_the_acknowledgement_goes_to_the_customer_when_asked_phone_channel(
    client_for, agnes, bob, run_on_commit
):
    client = client_for(agnes)
    run_on_commit(lambda: client.post(NEW, fields(bob, channel=Channel.PHONE)))
    (message,) = to_customer(bob.email)
    assert "We received your request" in message.subject


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.EMAIL, Channel.ON_SITE])
def test_no_acknowledgement_when_unchecked(client_for, agnes, bob, adam, run_on_commit, channel):
    client = client_for(agnes)
    data = fields(bob, channel=channel)
    del data["acknowledge"]
    run_on_commit(lambda: client.post(NEW, data))
    assert Ticket.objects.get().channel == channel
    assert to_customer(bob.email) == []
    # The rest of the team is still told of the new ticket; not the agent who opened it.
    assert to_customer(adam.email) and not to_customer(agnes.email)


def test_a_clients_priority_lock_does_not_bind_the_agent(client_for, agnes, bob, acme):
    acme.priority_locked = True
    acme.save()
    client_for(agnes).post(NEW, fields(bob, priority=Priority.URGENT))
    assert Ticket.objects.get().priority == Priority.URGENT


def test_files_are_kept_with_the_ticket(client_for, agnes, bob):
    client_for(agnes).post(NEW, {**fields(bob), "files": [upload("photo.png")]})
    ticket = Ticket.objects.get()
    (attachment,) = Attachment.objects.filter(ticket=ticket)
    assert attachment.message_id is None and attachment.original_name == "photo.png"


def test_customers_and_strangers_cannot_reach_the_page(client, client_for, alice, bob):
    for url in (NEW, PICKER + "?who=bob"):
        assert client_for(alice).get(url).status_code == 403
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(alice).post(NEW, fields(bob)).status_code == 403
    assert client.post(NEW, fields(bob)).status_code == 302
    assert not Ticket.objects.exists()


def refused(client, data, field="requester"):
    """The page again, the refusal under `field`; its text. Nothing saved."""
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert not TicketEvent.objects.exists()
    page = response.content.decode()
    marker = f'id="id_{field}-errors">'
    assert marker in page
    return page.split(marker)[1].split("</ul>")[0]


def test_a_requester_of_an_inactive_company_is_refused_clearly(client_for, agnes, bob, acme):
    acme.active = False
    acme.save()
    errors = refused(client_for(agnes), {**fields(bob), "files": [upload()]})
    assert "active users of an active client company" in errors


def test_a_deactivated_person_is_refused(client_for, agnes, bob):
    bob.is_active = False
    bob.save()
    assert "active users" in refused(client_for(agnes), fields(bob))


def test_a_staff_member_cannot_be_the_requester(client_for, agnes, adam):
    assert "client users only" in refused(client_for(agnes), fields(adam))


def test_a_forged_id_of_nobody_is_refused(client_for, agnes, bob):
    client = client_for(agnes)
    assert "active users" in refused(client, {**fields(bob), "requester": 999_999})
    assert "Choose the requester" in refused(client, fields(None))
    assert "Enter a whole number" in refused(client, {**fields(bob), "requester": "x"})


def test_a_refused_file_saves_nothing(client_for, agnes, bob):
    data = {**fields(bob), "files": [upload("ok.png"), upload("setup.exe", b"MZ\x90\x00rest")]}
    assert "setup.exe" in refused(client_for(agnes), data, field="files")


def test_missing_subject_or_bad_channel_saves_nothing(client_for, agnes, bob):
    client = client_for(agnes)
    assert refused(client, fields(bob, subject="  "), field="subject")
    assert refused(client, fields(bob, channel="fax"), field="channel")


def test_the_service_refuses_a_customer_acting(alice, bob):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ticket_create_for_caller(
            by=alice,
            requester=bob,
            subject="x",
            description="y",
            priority=Priority.NORMAL,
            channel=Channel.PHONE,
        )
    assert not Ticket.objects.exists()


def test_search_without_javascript_keeps_what_was_typed(client_for, agnes, bob):
    client = client_for(agnes)
    data = {**fields(None), "who": "Durand", "find": "1", "subject": "Keep me"}
    del data["acknowledge"]
    response = client.post(NEW, data)
    assert response.status_code == 200 and not Ticket.objects.exists()
    page = response.content.decode()
    assert f'name="requester" value="{bob.pk}"' in page
    assert 'value="Keep me"' in page
    assert 'id="id_acknowledge">' in page  # left unchecked, as it was


def test_the_chosen_person_is_still_offered_after_an_error(client_for, agnes, bob):
    response = client_for(agnes).post(NEW, fields(bob, subject=""))
    assert f'name="requester" value="{bob.pk}" checked' in response.content.decode()


def test_the_buttons_lead_to_the_page(client_for, agnes):
    client = client_for(agnes)
    for url in (reverse("desk:queue"), reverse("desk:home")):
        assert f'href="{NEW}"' in client.get(url).content.decode()
    page = client.get(NEW).content.decode()
    assert "Send the customer the usual acknowledgement" in page
    assert 'id="id_acknowledge" checked>' in page


# --- The picker ---------------------------------------------------------------------


@pytest.fixture
def people(acme, globex, alice, bob, carol, agnes, adam):
    bob.phone = "+33 6 12 34 56 78"
    bob.save()
    gone = UserFactory(full_name="Bob Gone", email="gone@acme.test", organization=acme)
    gone.is_active = False
    gone.save()
    closed = OrganizationFactory(name="Closedco", active=False)
    UserFactory(full_name="Bob Closed", email="bob@closedco.test", organization=closed)
    return {"bob": bob, "alice": alice, "carol": carol}


def found(by, text):
    return [person.email for person in customers_for_picker(by, text)]


def test_the_picker_finds_by_name_email_phone_and_organization(agnes, people):
    assert found(agnes, "durand") == ["bob@acme.test"]
    assert found(agnes, "bob@") == ["bob@acme.test"]
    assert found(agnes, "0612") == [] and found(agnes, "612345678") == ["bob@acme.test"]
    assert found(agnes, "6 12 34") == ["bob@acme.test"]  # digits, whatever the spacing
    assert found(agnes, "+33 6 12 34 56 78") == ["bob@acme.test"]
    assert found(agnes, "acme") == ["alice@acme.test", "bob@acme.test"]
    assert found(agnes, "globex") == ["carol@globex.test"]
    assert found(agnes, "bob acme") == ["bob@acme.test"]  # every word matches somewhere


def test_the_picker_never_offers_staff_or_inactive_people(agnes, adam, people):
    assert found(agnes, "bob") == ["bob@acme.test"]
    assert found(agnes, "support") == [] and found(agnes, "agent") == []
    assert found(adam, "closed") == []
    assert found(agnes, "   ") == [] and found(agnes, "\x00") == []


def test_the_picker_is_for_staff_only(alice, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        customers_for_picker(alice, "bob")


def test_the_picker_page_shows_name_email_phone_and_organization(client_for, agnes, people):
    response = client_for(agnes).get(PICKER, {"who": "durand"})
    page = response.content.decode()
    for shown in ("Bob Durand", "bob@acme.test", "+33 6 12 34 56 78", "Acme"):
        assert shown in page
    assert 'type="radio" name="requester"' in page
    assert "Nobody found" in client_for(agnes).get(PICKER, {"who": "zzz"}).content.decode()


def test_the_picker_costs_the_same_queries_whatever_it_finds(client_for, agnes, acme):
    client = client_for(agnes)
    client.get(PICKER, {"who": "warm"})

    def queries(text):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PICKER, {"who": text}).status_code == 200
        return len(captured)

    UserFactory(full_name="Zed One", organization=acme)
    few = queries("zed")
    for n in range(12):
        UserFactory(full_name=f"Zed {n}", organization=OrganizationFactory())
    assert queries("zed") == few
    assert len(customers_for_picker(agnes, "zed")) == 10
