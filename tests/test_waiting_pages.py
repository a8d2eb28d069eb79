"""Waiting for the customer's answer on the pages: the desk's action and composer
button, the queue's filter and badge, the portal's "Waiting for your answer"."""

import pytest
from django.core import mail
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.desk.forms import QueueFilterForm
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Message, Ticket
from ecmp.tickets.services.waiting import ticket_waiting_set
from ecmp.tickets.status import Status
from tests.factories import make_ticket

QUEUE = reverse("desk:queue")
WAITING_DESK = "Waiting for the customer"
WAITING_PORTAL = "Waiting for your answer"


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def action(client, ticket, name, version=None):
    url = reverse("desk:ticket-action", args=[ticket.number, name])
    version = fresh(ticket).version if version is None else version
    return client.post(url, {"version": version}, follow=True)


def compose(desk, ticket, then, **data):
    data.setdefault("version", fresh(ticket).version)
    data["then"] = then
    return desk.post(reverse("desk:ticket-reply", args=[ticket.number]), data, follow=True)


def queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


# --- The desk's ticket page ----------------------------------------------------------


def test_the_action_sets_and_stops_the_mark(desk, ticket):
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert "Wait for the customer's answer" in page
    response = action(desk, ticket, "ask")
    html = response.content.decode()
    assert "The ticket waits for the customer&#39;s answer: its SLA clock is paused." in html
    assert WAITING_DESK in html and "Stop waiting" in html  # the badge, the other button
    assert 'id="waiting-since"' in html
    assert fresh(ticket).waiting_since is not None
    response = action(desk, ticket, "stop-waiting")
    assert "its SLA clock runs again" in response.content.decode()
    assert fresh(ticket).waiting_since is None


def test_a_stale_action_is_refused_and_changes_nothing(desk, ticket, agnes):
    version = fresh(ticket).version
    services.ticket_reply(ticket=ticket, author=agnes, body="Which model?")
    response = action(desk, ticket, "ask", version=version)
    assert "This ticket changed since you opened it" in response.content.decode()
    assert fresh(ticket).waiting_since is None


def test_a_customer_cannot_use_the_desk_action(client_for, alice, carol, ticket):
    for customer in (alice, carol):
        response = action(client_for(customer), ticket, "ask")
        assert response.status_code in (403, 404)
    assert fresh(ticket).waiting_since is None
    assert not ticket.events.filter(kind=EventKind.WAITING_SET).exists()


def test_the_action_is_a_post(desk, ticket):
    url = reverse("desk:ticket-action", args=[ticket.number, "ask"])
    assert desk.get(url).status_code == 405
    assert fresh(ticket).waiting_since is None


def test_the_composer_sends_and_waits_for_the_answer(
    desk, ticket, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(desk, ticket, "ask", body="Which printer model is it?")
    assert "Your reply is sent; the ticket waits for the customer&#39;s answer." in (
        response.content.decode()
    )
    ticket = fresh(ticket)
    assert ticket.waiting_since is not None and ticket.status == Status.NEW
    assert ticket.messages.get().body == "Which printer model is it?"
    assert any(alice.email in email.to for email in mail.outbox)  # the question, mailed


def test_the_composer_keeps_both_wait_buttons_apart(desk, ticket, agnes):
    services.ticket_accept(ticket=ticket, actor=agnes)
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert 'value="wait"' in page and "Send and wait<" in page
    assert 'value="ask"' in page and "Send and wait for the answer" in page
    assert "The status does not change." in page  # the tooltip that tells them apart
    ticket_waiting_set(ticket=ticket, actor=agnes)
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert 'value="ask"' not in page


def test_asking_with_an_internal_note_is_refused_and_writes_nothing(desk, ticket):
    response = compose(desk, ticket, "ask", kind="note", body="Ask them the model")
    assert response.status_code == 400
    assert "as a public reply" in response.content.decode()
    assert fresh(ticket).waiting_since is None
    assert not Message.objects.filter(ticket=ticket).exists()


def test_asking_on_a_waiting_ticket_sends_and_goes_on_waiting(desk, ticket, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    since = fresh(ticket).waiting_since
    compose(desk, ticket, "ask", body="And the driver version?")
    ticket = fresh(ticket)
    assert ticket.waiting_since == since and ticket.messages.count() == 1


# --- The queue ---------------------------------------------------------------------------


def test_the_queue_filter_shows_the_tickets_waiting(desk, alice, agnes):
    waiting = make_ticket(alice, subject="Waits for Alice")
    make_ticket(alice, subject="Nobody waits")
    ticket_waiting_set(ticket=waiting, actor=agnes)
    html = desk.get(QUEUE, {"queue": "open", "waiting": "yes"}).content.decode()
    assert "Waits for Alice" in html and "Nobody waits" not in html
    assert WAITING_DESK in html  # the row's SLA badge: paused
    assert 'name="waiting"' in html and '<option value="yes" selected' in html
    html = desk.get(QUEUE, {"queue": "open", "waiting": "no"}).content.decode()
    assert "Waits for Alice" not in html and "Nobody waits" in html
    html = desk.get(QUEUE, {"queue": "open", "waiting": "nonsense"}).content.decode()
    assert "Waits for Alice" in html and "Nobody waits" in html


def test_waiting_tickets_come_last_in_the_due_queue(desk, alice, agnes):
    waiting = make_ticket(alice, subject="Waits for Alice")
    make_ticket(alice, subject="Nobody waits")
    ticket_waiting_set(ticket=waiting, actor=agnes)
    html = desk.get(QUEUE, {"queue": "open", "sort": "due"}).content.decode()
    assert html.index("Nobody waits") < html.index("Waits for Alice")


def test_the_queue_costs_the_same_with_waiting_tickets(desk, alice, agnes):
    # One waiting ticket first: the queue by deadline reads the tickets without one
    # (a waiting ticket's clock stops) by a statement of their own (tickets/queue_reads.py).
    make_ticket(alice)
    ticket_waiting_set(ticket=make_ticket(alice, subject="First"), actor=agnes)
    few = queries(desk, QUEUE, {"queue": "open"})
    waiting = queries(desk, QUEUE, {"queue": "open", "waiting": "yes"})
    for n in range(6):
        ticket_waiting_set(ticket=make_ticket(alice, subject=f"More {n}"), actor=agnes)
    assert queries(desk, QUEUE, {"queue": "open"}) == few
    assert queries(desk, QUEUE, {"queue": "open", "waiting": "yes"}) == waiting <= few


# --- The portal ----------------------------------------------------------------------------


def test_the_customer_sees_waiting_for_your_answer(client_for, alice, agnes, ticket):
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model is it?")
    ticket_waiting_set(ticket=ticket, actor=agnes)
    portal = client_for(alice)
    page = portal.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert WAITING_PORTAL in page and 'id="waiting-for-you"' in page
    alert = page.split('id="waiting-for-you"')[1].split("</div>")[0]
    assert "Which printer model is it?" in alert  # the question, the last public reply
    listing = portal.get(reverse("portal:service-desk")).content.decode()
    assert WAITING_PORTAL in listing
    portal.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "A LaserJet 4."})
    page = portal.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert WAITING_PORTAL not in page


def test_the_waiting_events_never_reach_the_customer(client_for, alice, agnes, ticket):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert WAITING_DESK not in page.content.decode()  # the desk's words: internal events
    assert not ticket.notifications.filter(recipient=alice).exists()


def test_another_organization_never_sees_the_ticket(client_for, carol, agnes, ticket):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    portal = client_for(carol)
    assert portal.get(reverse("portal:ticket-detail", args=[ticket.number])).status_code == 404
    assert WAITING_PORTAL not in portal.get(reverse("portal:service-desk")).content.decode()
    response = portal.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "Hi"})
    assert response.status_code == 404
    assert fresh(ticket).waiting_since is not None


def test_the_question_shown_is_never_an_internal_note(client_for, alice, agnes, ticket):
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model is it?")
    services.ticket_reply(ticket=ticket, author=agnes, body="Secret: it is ours", internal=True)
    ticket_waiting_set(ticket=ticket, actor=agnes)
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    alert = page.content.decode().split('id="waiting-for-you"')[1].split("</div>")[0]
    assert "Which printer model is it?" in alert and "Secret" not in alert


def test_the_ticket_page_costs_the_same_when_waiting(client_for, alice, agnes, ticket):
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model is it?")
    portal = client_for(alice)
    url = reverse("portal:ticket-detail", args=[ticket.number])
    portal.get(url)  # the first view opens the ticket's tab (a session write)
    few = queries(portal, url)
    ticket_waiting_set(ticket=ticket, actor=agnes)
    assert queries(portal, url) == few


def test_the_portal_list_costs_the_same_with_waiting_tickets(client_for, alice, agnes):
    portal = client_for(alice)
    make_ticket(alice)
    url = reverse("portal:service-desk")
    few = queries(portal, url, {"list": "open"})
    for n in range(6):
        ticket_waiting_set(ticket=make_ticket(alice, subject=f"More {n}"), actor=agnes)
    assert queries(portal, url, {"list": "open"}) == few


def test_the_question_email_says_an_answer_is_awaited(
    desk, ticket, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        compose(desk, ticket, "", body="Is it plugged in?")
    with django_capture_on_commit_callbacks(execute=True):
        compose(desk, ticket, "ask", body="Which printer model is it?")
    plain, question = [email for email in mail.outbox if alice.email in email.to]
    assert "We are waiting for your answer" not in plain.body
    assert "Which printer model is it?" in question.body
    assert "We are waiting for your answer: reply to this email." in question.body
    assert "We are waiting for your answer" in question.alternatives[0][0]


def test_a_saved_view_keeps_the_waiting_filter(db):
    assert QueueFilterForm(QueryDict("waiting=yes&queue=open")).saved_query() == (
        "queue=open&waiting=yes"
    )
    assert "waiting" not in QueueFilterForm(QueryDict("waiting=maybe")).saved_query()
