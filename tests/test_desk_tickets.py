"""Working a ticket from the desk: every action, its event, the customer's notification."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket, upload


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


def act(desk, ticket, action, **data):
    ticket.refresh_from_db()
    data.setdefault("version", ticket.version)
    return desk.post(reverse("desk:ticket-action", args=[ticket.number, action]), data)


def last_event(ticket):
    return ticket.events.order_by("-id").first()


def customer_notifications(user):
    return Notification.objects.filter(recipient=user).count()


def test_accept_opens_assigns_and_notifies(
    desk, ticket, alice, agnes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = act(desk, ticket, "accept")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.assignee == agnes
    assert ticket.first_response_at is not None
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.ASSIGNED, EventKind.STATUS]
    assert customer_notifications(alice) == 1


def test_start_back_to_open_close_with_a_note_and_reopen(
    desk, ticket, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(desk, ticket, "start")
        ticket.refresh_from_db()
        assert ticket.status == Status.WAIT
        act(desk, ticket, "open")
        ticket.refresh_from_db()
        assert ticket.status == Status.OPEN
        desk.post(
            reverse("desk:ticket-close", args=[ticket.number]),
            {"version": ticket.version, "note": "Replaced the fuser."},
        )
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        act(desk, ticket, "reopen")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.messages.get().body == "Replaced the fuser."
    assert customer_notifications(alice) == 4  # wait, open, closed with its note, reopened
    page = reverse("portal:ticket-detail", args=[ticket.number])
    from django.test import Client

    customer = Client()
    customer.force_login(alice, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    assert "Replaced the fuser." in customer.get(page).content.decode()


def test_a_public_reply_reaches_the_customer(
    desk, ticket, alice, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            reverse("desk:ticket-reply", args=[ticket.number]),
            {"body": "We are on our way", "version": ticket.version, "files": [upload()]},
        )
    assert response.status_code == 302
    assert customer_notifications(alice) == 1
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert "We are on our way" in page.content.decode()


def test_an_internal_note_never_reaches_the_customer(
    desk, ticket, alice, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:ticket-reply", args=[ticket.number]),
            {"body": "Customer forgot to pay", "internal": "on", "version": ticket.version},
        )
    assert customer_notifications(alice) == 0
    event = last_event(ticket)
    assert event.kind == EventKind.NOTE and event.internal and event.message.internal
    customer = client_for(alice)
    for url in (
        reverse("portal:ticket-detail", args=[ticket.number]),
        reverse("portal:dashboard"),
        reverse("portal:notifications"),
        reverse("portal:service-desk"),
    ):
        assert "Customer forgot to pay" not in customer.get(url).content.decode()
    desk_page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert "Customer forgot to pay" in desk_page and "Internal" in desk_page


def test_assigning_is_internal(desk, ticket, alice, adam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:ticket-assign", args=[ticket.number]),
            {"assignee": adam.pk, "version": ticket.version},
        )
    ticket.refresh_from_db()
    assert ticket.assignee == adam
    assert last_event(ticket).internal
    assert customer_notifications(alice) == 0


def assignee_select(desk, ticket):
    """The assignee select of the desk's ticket page, its options."""
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    return page[page.index('<select name="assignee"') :].split("</select>")[0]


def assign(desk, ticket, value, follow=False):
    url = reverse("desk:ticket-assign", args=[ticket.number])
    return desk.post(url, {"assignee": value, "version": ticket.version}, follow=follow)


@pytest.mark.parametrize("who", ["alice", "nobody", "gone", "unknown"])
def test_only_an_active_agent_can_be_assigned(desk, ticket, alice, adam, who):
    """The select offers the support team; a forged or outdated choice changes nothing."""
    select = assignee_select(desk, ticket)
    assert f'<option value="{adam.pk}">{adam.get_full_name()}</option>' in select
    assert f'<option value="{alice.pk}">' not in select
    adam.is_active = who != "gone"
    adam.save()
    chosen = {"alice": alice.pk, "nobody": "", "gone": adam.pk, "unknown": 999999}[who]
    answer = assign(desk, ticket, chosen, follow=True)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    if who != "nobody":
        assert "Choose an agent." in answer.content.decode()


@pytest.mark.parametrize(
    "value", ["abc", "9" * 23, "9" * 5000, "-1", "0", " 1", "1.0", "\x00", "\uff11"]
)
def test_a_hostile_assignee_is_refused_without_an_error_page(desk, ticket, value):
    answer = assign(desk, ticket, value)
    assert answer.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_current_assignee_is_selected_and_names_are_escaped(desk, ticket, adam):
    adam.full_name = "<script>alert('x')</script>"
    adam.save()
    ticket.assignee = adam
    ticket.save()
    select = assignee_select(desk, ticket)
    assert f'<option value="{adam.pk}" selected>&lt;script&gt;' in select
    assert "<script>" not in select


def test_a_deactivated_assignee_is_shown_as_such_and_kept(desk, ticket, adam):
    """Not "Nobody": pressing Assign without a choice must not unassign unseen."""
    ticket.assignee = adam
    ticket.save()
    adam.is_active = False
    adam.save()
    select = assignee_select(desk, ticket)
    assert f'<option value="{adam.pk}" selected>{adam.get_full_name()} (deactivated)' in select
    answer = assign(desk, ticket, adam.pk, follow=True)
    assert "Choose an agent." in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == adam


def test_the_customer_sees_the_new_priority_but_not_the_reason(
    desk, ticket, alice, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            reverse("desk:ticket-priority", args=[ticket.number]),
            {"priority": Priority.URGENT, "reason": "Their CEO called", "version": ticket.version},
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    html = page.content.decode()
    assert "Priority changed from Normal to Urgent" in html
    assert "Their CEO called" not in html
    assert customer_notifications(alice) == 1


def test_a_priority_change_needs_a_reason(desk, ticket):
    response = desk.post(
        reverse("desk:ticket-priority", args=[ticket.number]),
        {"priority": Priority.HIGH, "reason": "", "version": ticket.version},
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_a_form_made_on_an_older_state_is_refused(desk, ticket, adam):
    old_version = ticket.version
    services.ticket_accept(ticket=ticket, actor=adam)
    response = desk.post(
        reverse("desk:ticket-priority", args=[ticket.number]),
        {"priority": Priority.LOW, "reason": "not urgent", "version": old_version},
        follow=True,
    )
    assert "changed since you opened it" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL


def test_accepting_twice_tells_the_second_agent(desk, ticket, adam):
    services.ticket_accept(ticket=ticket, actor=adam)
    response = act(desk, ticket, "accept", version="")
    assert response.status_code == 302
    followed = desk.get(response.url).content.decode()
    assert "already accepted by someone else" in followed
    assert ticket.events.filter(kind=EventKind.STATUS).count() == 1


def test_archived_tickets_are_read_only_until_unarchived(desk, ticket, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    reply = desk.post(
        reverse("desk:ticket-reply", args=[ticket.number]),
        {"body": "hello", "version": ""},
    )
    assert reply.status_code == 400
    assert not ticket.messages.exists()
    act(desk, ticket, "unarchive")
    ticket.refresh_from_db()
    assert ticket.archived_at is None
    assert last_event(ticket).kind == EventKind.UNARCHIVED


def test_an_unknown_action_is_404_and_get_is_refused(desk, ticket):
    assert act(desk, ticket, "explode").status_code == 404
    url = reverse("desk:ticket-action", args=[ticket.number, "accept"])
    assert desk.get(url).status_code == 405


def test_an_agent_overrides_the_priority_lock(desk, ticket, acme):
    acme.priority_locked = True
    acme.save()
    desk.post(
        reverse("desk:ticket-priority", args=[ticket.number]),
        {"priority": Priority.HIGH, "reason": "Outage", "version": ticket.version},
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
