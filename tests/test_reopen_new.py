"""Issue 18 §6: a ticket reopened before anyone accepted it goes back to New; the
support team hears of a customer's close and reopening; a close with a note is one
email that carries the note."""

import pytest

from ecmp.mail.models import OutboundEmail
from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.models import EventKind
from ecmp.tickets.status import Status
from tests.factories import make_ticket


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


def close(ticket, actor, note=""):
    services.ticket_transition(ticket=ticket, actor=actor, status=Status.CLOSED, note=note)


def test_a_ticket_closed_by_its_customer_before_acceptance_reopens_as_new(
    ticket, alice, run_on_commit
):
    run_on_commit(lambda: close(ticket, alice))
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=alice, body="Again"))
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.assignee is None
    reopened = ticket.events.order_by("-id").first()
    assert (reopened.kind, reopened.from_value, reopened.to_value) == (
        EventKind.REOPENED,
        Status.CLOSED,
        Status.NEW,
    )


def test_an_accepted_ticket_reopens_as_open_with_its_assignee(ticket, alice, agnes, run_on_commit):
    services.ticket_accept(ticket=ticket, actor=agnes)
    close(ticket, alice)
    services.ticket_reply(ticket=ticket, author=alice, body="Again")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.assignee == agnes


def test_started_then_closed_reopens_as_open(ticket, alice, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    close(ticket, agnes)
    services.ticket_reply(ticket=ticket, author=alice, body="Again")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_an_agents_reopen_of_a_never_accepted_ticket_is_new_too(ticket, alice, agnes):
    close(ticket, alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    # Then accepted as any new ticket.
    services.ticket_accept(ticket=ticket, actor=agnes)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.assignee == agnes


def agent_mail(agent):
    return list(OutboundEmail.objects.filter(to=[agent.email]).values_list("kind", flat=True))


def agent_notifications(agent, ticket):
    return list(
        Notification.objects.filter(recipient=agent, ticket=ticket)
        .order_by("id")
        .values_list("event__kind", "event__to_value")
    )


def test_the_assignee_hears_when_the_customer_closes_and_reopens(
    ticket, alice, agnes, adam, run_on_commit
):
    services.ticket_accept(ticket=ticket, actor=agnes)
    OutboundEmail.objects.all().delete()
    run_on_commit(lambda: close(ticket, alice))
    assert agent_notifications(agnes, ticket) == [(EventKind.STATUS, Status.CLOSED)]
    assert agent_mail(agnes) == ["agent_customer_closed"]
    email = OutboundEmail.objects.get(to=[agnes.email])
    assert "Alice Martin closed ticket" in email.text and "Printer on fire" in email.subject
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=alice, body="Again"))
    assert agent_notifications(agnes, ticket)[-2:] == [
        (EventKind.REPLIED, ""),
        (EventKind.REOPENED, Status.OPEN),
    ]
    # The reopening message itself is the one email about it.
    assert sorted(agent_mail(agnes)) == ["agent_customer_closed", "agent_customer_reply"]
    # The admin is not the assignee: nothing for him.
    assert not Notification.objects.filter(recipient=adam).exists()
    assert agent_mail(adam) == []


def test_without_an_assignee_the_whole_team_hears_of_a_customers_close(
    ticket, alice, agnes, adam, run_on_commit
):
    run_on_commit(lambda: close(ticket, alice))
    for agent in (agnes, adam):
        assert agent_notifications(agent, ticket)[-1] == (EventKind.STATUS, Status.CLOSED)
        assert agent_mail(agent)[-1] == "agent_customer_closed"
    # The customer is not told of what they did themselves.
    assert not OutboundEmail.objects.filter(to=[alice.email], kind="ticket_closed").exists()


def test_an_agents_close_tells_no_agent_it_was_the_customer(
    ticket, alice, agnes, adam, run_on_commit
):
    run_on_commit(lambda: close(ticket, agnes))
    assert not OutboundEmail.objects.filter(kind="agent_customer_closed").exists()
    assert not Notification.objects.filter(recipient__in=[agnes, adam], event__kind="status")


def test_closing_with_a_note_sends_one_email_that_carries_the_note(
    ticket, alice, agnes, run_on_commit
):
    services.ticket_accept(ticket=ticket, actor=agnes)
    OutboundEmail.objects.all().delete()
    Notification.objects.all().delete()
    run_on_commit(lambda: close(ticket, agnes, note="Replaced the <b>fuser</b>."))
    emails = list(OutboundEmail.objects.filter(to=[alice.email]))
    assert [email.kind for email in emails] == ["ticket_closed"]
    (email,) = emails
    assert "Replaced the <b>fuser</b>." in email.text
    assert "Replaced the &lt;b&gt;fuser&lt;/b&gt;." in email.html
    assert "is closed" in email.text
    # One notification too, and one entry in the thread that shows the note.
    assert Notification.objects.filter(recipient=alice).count() == 1
    event = ticket.events.order_by("-id").first()
    assert event.kind == EventKind.STATUS and event.message.body == "Replaced the <b>fuser</b>."
    assert ticket.messages.get().internal is False


def test_closing_without_a_note_says_only_that_it_is_closed(ticket, alice, agnes, run_on_commit):
    run_on_commit(lambda: close(ticket, agnes))
    (email,) = OutboundEmail.objects.filter(to=[alice.email], kind="ticket_closed")
    assert "Agnes Agent:" not in email.text


def test_an_internal_note_never_rides_on_a_close_email(ticket, alice, agnes, run_on_commit):
    from ecmp.mail import outbound
    from ecmp.tickets.models import Message

    note = Message.objects.create(ticket=ticket, author=agnes, body="SECRET", internal=True)
    outbound.send_ticket_closed(outbound.TicketMail(ticket), note)
    email = OutboundEmail.objects.get(to=[alice.email])
    assert "SECRET" not in email.text and "SECRET" not in email.html


def test_the_close_note_shows_in_the_customers_thread(ticket, alice, agnes, client_for):
    from django.urls import reverse

    close(ticket, agnes, note="Replaced the fuser.")
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert page.content.decode().count("Replaced the fuser.") == 1
