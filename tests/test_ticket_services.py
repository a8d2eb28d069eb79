"""The one door for writes: tickets/services.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket, TicketEvent
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket


@pytest.fixture
def ticket(alice):
    return make_ticket(alice)


def kinds(ticket):
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


def test_numbers_start_at_1001_and_follow_each_other(alice, bob):
    assert [make_ticket(alice).number, make_ticket(bob).number, make_ticket(alice).number] == [
        1001,
        1002,
        1003,
    ]


def test_a_new_ticket_is_new_with_its_event(ticket, alice):
    assert ticket.status == Status.NEW
    assert ticket.organization == alice.organization
    assert kinds(ticket) == [EventKind.CREATED]


def test_a_locked_organization_gets_normal_but_the_wish_is_kept(alice, acme):
    acme.priority_locked = True
    acme.save()
    ticket = make_ticket(alice, priority=Priority.URGENT)
    assert ticket.priority == Priority.NORMAL
    assert ticket.requested_priority == Priority.URGENT


def test_the_chosen_priority_is_kept_otherwise(alice):
    assert make_ticket(alice, priority=Priority.HIGH).priority == Priority.HIGH


@pytest.mark.parametrize(
    ("subject", "description"), [("", "x"), ("   ", "x"), ("x", ""), ("x" * 201, "x")]
)
def test_bad_input_creates_nothing(alice, subject, description):
    with pytest.raises(ValidationError):
        make_ticket(alice, subject=subject, description=description)
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()


def test_agents_and_inactive_organizations_cannot_open_tickets(agnes, alice, acme):
    with pytest.raises(PermissionDenied):
        make_ticket(agnes)
    acme.active = False
    acme.save()
    alice.refresh_from_db()
    with pytest.raises(PermissionDenied):
        make_ticket(alice)


def test_agents_move_a_ticket_along_the_table(ticket, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert ticket.first_response_at is not None
    statuses = ticket.events.filter(kind=EventKind.STATUS).values_list("from_value", "to_value")
    assert list(statuses.order_by("id")) == [("new", "open"), ("open", "wait"), ("wait", "closed")]


def test_a_refused_transition_changes_nothing(ticket, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    with pytest.raises(ValidationError):
        services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.count() == 2


def test_customers_may_close_their_ticket_but_not_move_it_otherwise(ticket, alice):
    with pytest.raises(PermissionDenied):
        services.ticket_transition(ticket=ticket, actor=alice, status=Status.OPEN)
    services.ticket_transition(ticket=ticket, actor=alice, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_outsiders_cannot_touch_a_ticket(ticket, bob, carol):
    for outsider in (bob, carol):
        with pytest.raises(PermissionDenied):
            services.ticket_transition(ticket=ticket, actor=outsider, status=Status.CLOSED)
        with pytest.raises(PermissionDenied):
            services.ticket_reply(ticket=ticket, author=outsider, body="hello")
    assert kinds(ticket) == [EventKind.CREATED]


def test_writing_on_a_closed_ticket_reopens_it(
    ticket, alice, agnes, django_capture_on_commit_callbacks
):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    services.ticket_reply(ticket=ticket, author=alice, body="It broke again")
    ticket.refresh_from_db()
    # Never accepted: back to the New queue (an accepted one reopens as Open).
    assert ticket.status == Status.NEW and ticket.closed_at is None
    assert kinds(ticket)[-2:] == [EventKind.REPLIED, EventKind.REOPENED]


def test_an_agents_reply_is_the_first_response_and_notifies_the_requester(
    ticket, alice, agnes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=agnes, body="We look into it")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert Notification.objects.filter(recipient=alice, ticket=ticket).count() == 1


def test_the_requester_is_not_notified_of_what_they_do_themselves(
    ticket, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=alice, body="More details")
        services.ticket_transition(ticket=ticket, actor=alice, status=Status.CLOSED)
    assert not Notification.objects.exists()


def test_every_status_change_by_someone_else_notifies_the_requester(
    ticket, alice, agnes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, actor=agnes, status=Status.OPEN)
        services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    assert Notification.objects.filter(recipient=alice).count() == 2


def test_internal_notes_are_for_agents_only_and_never_notify(
    ticket, alice, agnes, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, author=alice, body="x", internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=agnes, body="Customer is grumpy", internal=True)
    event = ticket.events.get(kind=EventKind.NOTE)
    assert event.internal
    assert not Notification.objects.exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_an_archived_ticket_is_read_only_for_customers(ticket, alice):
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    ticket.refresh_from_db()
    with pytest.raises(ValidationError):
        services.ticket_reply(ticket=ticket, author=alice, body="hello?")
    with pytest.raises(ValidationError):
        services.ticket_transition(ticket=ticket, actor=alice, status=Status.CLOSED)
    assert kinds(ticket) == [EventKind.CREATED]


def test_a_follow_up_must_refer_to_a_ticket_the_requester_sees(ticket, carol):
    with pytest.raises(PermissionDenied):
        make_ticket(carol, related_to=ticket)
