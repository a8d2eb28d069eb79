"""Waiting for the customer's answer: a mark set by an agent, cleared when the customer
writes; the SLA clock stands still meanwhile (ecmp/tickets/services/waiting.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.services.followers import follower_add
from ecmp.tickets.services.waiting import ticket_waiting_clear, ticket_waiting_set
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket
from tests.mailtools import build_mail

PARIS = ZoneInfo("Europe/Paris")


def paris(day, hour, minute=0):
    """A moment of the week of Monday 30 November 2026, in the business calendar's zone
    (the default calendar: Monday to Friday, 9:00-17:00)."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=PARIS) + timedelta(days=day)


class Clock:
    """timezone.now(), held still and moved by the test."""

    def __init__(self, monkeypatch, start):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def at(self, moment):
        self.now = moment


@pytest.fixture
def clock(monkeypatch, settings):
    settings.TIME_ZONE = "Europe/Paris"
    return Clock(monkeypatch, paris(0, 9))


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


# --- Set and clear by an agent ------------------------------------------------------


def test_an_agent_sets_the_mark_and_the_sla_is_paused(ticket, agnes):
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model?")
    ticket_waiting_set(ticket=ticket, actor=agnes, version=fresh(ticket).version)
    ticket = fresh(ticket)
    assert ticket.waiting_since is not None
    assert ticket.sla_due_at is None  # sorted last in the due queue, never overdue
    assert ticket.resolution_due_at is not None  # the deadline is kept, to move on clear
    assert ticket.status == Status.NEW  # the four statuses stay as they are
    event = ticket.events.get(kind=EventKind.WAITING_SET)
    assert event.internal and event.actor == agnes


def test_setting_with_a_stale_version_is_refused_and_changes_nothing(ticket, agnes):
    version = fresh(ticket).version
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model?")
    with pytest.raises(ValidationError) as refused:
        ticket_waiting_set(ticket=ticket, actor=agnes, version=version)
    assert refused.value.code == "stale"
    assert fresh(ticket).waiting_since is None
    assert not ticket.events.filter(kind=EventKind.WAITING_SET).exists()


def test_a_closed_ticket_cannot_wait(ticket, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    with pytest.raises(ValidationError) as refused:
        ticket_waiting_set(ticket=ticket, actor=agnes)
    assert refused.value.code == "closed"
    assert fresh(ticket).waiting_since is None


def test_an_archived_ticket_cannot_wait(ticket, agnes):
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    with pytest.raises(ValidationError):
        ticket_waiting_set(ticket=fresh(ticket), actor=agnes)
    assert fresh(ticket).waiting_since is None


def test_setting_twice_is_refused(ticket, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    with pytest.raises(ValidationError) as refused:
        ticket_waiting_set(ticket=ticket, actor=agnes)
    assert refused.value.code == "same"
    assert ticket.events.filter(kind=EventKind.WAITING_SET).count() == 1


def test_customers_may_neither_set_nor_clear(ticket, alice, agnes):
    with pytest.raises(PermissionDenied):
        ticket_waiting_set(ticket=ticket, actor=alice)
    assert fresh(ticket).waiting_since is None
    ticket_waiting_set(ticket=ticket, actor=agnes)
    with pytest.raises(PermissionDenied):
        ticket_waiting_clear(ticket=ticket, actor=alice)
    assert fresh(ticket).waiting_since is not None


def test_an_agent_clears_the_mark(ticket, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    ticket_waiting_clear(ticket=ticket, actor=agnes, version=fresh(ticket).version)
    ticket = fresh(ticket)
    assert ticket.waiting_since is None
    assert ticket.sla_due_at == ticket.first_response_due_at  # no first response yet
    assert ticket.events.filter(kind=EventKind.WAITING_CLEARED, internal=True).count() == 1


def test_clearing_a_ticket_that_does_not_wait_is_refused(ticket, agnes):
    with pytest.raises(ValidationError) as refused:
        ticket_waiting_clear(ticket=ticket, actor=agnes)
    assert refused.value.code == "not_waiting"
    assert not ticket.events.filter(kind=EventKind.WAITING_CLEARED).exists()


# --- Cleared when the customer writes, or on close --------------------------------------


def test_the_customers_web_reply_clears_it(ticket, alice, agnes, client_for):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    client_for(alice).post(
        reverse("portal:ticket-reply", args=[ticket.number]), {"body": "An HP LaserJet 4."}
    )
    ticket = fresh(ticket)
    assert ticket.waiting_since is None and ticket.sla_due_at is not None
    cleared = ticket.events.get(kind=EventKind.WAITING_CLEARED)
    assert cleared.actor == alice


def test_the_customers_email_reply_clears_it(ticket, alice, agnes, deliver):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    row = deliver(
        build_mail(subject=f"Re: [#{ticket.number}] {ticket.subject}", body="An HP LaserJet 4.")
    )
    assert row.outcome == "reply" and row.ticket == ticket
    ticket = fresh(ticket)
    assert ticket.waiting_since is None
    assert ticket.events.get(kind=EventKind.WAITING_CLEARED).actor == alice


def test_a_followers_reply_clears_it(ticket, bob, agnes):
    follower_add(ticket=ticket, user=bob, by=agnes)
    ticket_waiting_set(ticket=ticket, actor=agnes)
    services.ticket_reply(ticket=ticket, author=bob, body="Alice is away: it is a LaserJet 4.")
    assert fresh(ticket).waiting_since is None


def test_an_agents_reply_or_note_does_not_clear_it(ticket, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    services.ticket_reply(ticket=ticket, author=agnes, body="Also: which driver?")
    services.ticket_reply(ticket=ticket, author=agnes, body="Asked twice", internal=True)
    ticket = fresh(ticket)
    assert ticket.waiting_since is not None and ticket.sla_due_at is None


def test_closing_clears_it_and_reopening_does_not_bring_it_back(ticket, alice, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    assert fresh(ticket).waiting_since is None
    services.ticket_reply(ticket=ticket, author=alice, body="Broken again")
    ticket = fresh(ticket)
    assert ticket.status != Status.CLOSED and ticket.waiting_since is None
    assert ticket.sla_due_at is not None


def test_send_and_close_clears_it(ticket, agnes):
    ticket_waiting_set(ticket=ticket, actor=agnes)
    services.ticket_reply(ticket=ticket, author=agnes, body="Fixed", status=Status.CLOSED)
    ticket = fresh(ticket)
    assert ticket.status == Status.CLOSED and ticket.waiting_since is None


# --- The SLA clock stands still ---------------------------------------------------------


def test_the_resolution_deadline_moves_by_the_business_time_waited(clock, alice, agnes):
    ticket = make_ticket(alice)  # Monday 9:00, Normal: resolution in 5 business days
    assert fresh(ticket).resolution_due_at == paris(4, 17)  # Friday 17:00
    clock.at(paris(0, 9, 30))
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model?")
    clock.at(paris(0, 10))
    ticket_waiting_set(ticket=ticket, actor=agnes)
    clock.at(paris(1, 10))  # Tuesday 10:00: 7 h on Monday and 1 h on Tuesday waited
    services.ticket_reply(ticket=ticket, author=alice, body="An HP LaserJet 4.")
    ticket = fresh(ticket)
    assert ticket.resolution_due_at == paris(7, 17)  # 8 business hours later: next Monday
    assert ticket.sla_due_at == ticket.resolution_due_at
    assert ticket.events.get(kind=EventKind.WAITING_CLEARED).to_value == "480"


def test_the_first_response_deadline_moves_too_while_none_was_given(clock, alice, agnes):
    ticket = make_ticket(alice)  # first response due Monday 17:00
    assert fresh(ticket).first_response_due_at == paris(0, 17)
    clock.at(paris(0, 10))
    ticket_waiting_set(ticket=ticket, actor=agnes)
    clock.at(paris(0, 15))  # 5 business hours waited
    ticket_waiting_clear(ticket=ticket, actor=agnes)
    ticket = fresh(ticket)
    assert ticket.first_response_due_at == paris(1, 14)  # Tuesday 14:00
    assert ticket.resolution_due_at == paris(7, 14)  # next Monday 14:00
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_a_wait_over_a_weekend_counts_only_business_time(clock, alice, agnes):
    ticket = make_ticket(alice)
    clock.at(paris(0, 9, 30))
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model?")
    clock.at(paris(4, 16))  # Friday 16:00
    ticket_waiting_set(ticket=ticket, actor=agnes)
    clock.at(paris(6, 20))  # Sunday evening: 1 business hour waited
    services.ticket_reply(ticket=ticket, author=alice, body="An HP LaserJet 4.")
    assert fresh(ticket).resolution_due_at == paris(7, 10)  # Friday 17:00 + 1 h: Monday 10:00


def test_no_breach_is_announced_while_waiting(alice, agnes):
    ticket = make_ticket(alice, priority=Priority.URGENT)
    due = fresh(ticket).sla_due_at
    ticket_waiting_set(ticket=ticket, actor=agnes)
    assert services.tickets_check_sla(now=due + timedelta(days=3)) == 0
    # A priority change while waiting recomputes the deadlines, and still no breach.
    services.ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.HIGH, reason="x")
    assert fresh(ticket).sla_due_at is None
    assert services.tickets_check_sla(now=due + timedelta(days=3)) == 0
    assert not ticket.events.filter(kind=EventKind.SLA_BREACH).exists()
    # Once the customer answers, a missed deadline is announced again.
    services.ticket_reply(ticket=ticket, author=ticket.requester, body="Here it is")
    later = fresh(ticket).sla_due_at + timedelta(minutes=1)
    assert services.tickets_check_sla(now=later) == 1


def test_a_status_change_while_waiting_keeps_the_clock_paused(ticket, agnes):
    services.ticket_accept(ticket=ticket, actor=agnes)
    ticket_waiting_set(ticket=ticket, actor=agnes)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    ticket = fresh(ticket)
    assert ticket.status == Status.WAIT and ticket.waiting_since is not None
    assert ticket.sla_due_at is None


def test_closing_while_waiting_moves_the_resolution_deadline_the_reports_compare(
    clock, alice, agnes
):
    ticket = make_ticket(alice)
    clock.at(paris(0, 9, 30))
    services.ticket_reply(ticket=ticket, author=agnes, body="Which printer model?")
    clock.at(paris(0, 10))
    ticket_waiting_set(ticket=ticket, actor=agnes)
    clock.at(paris(7, 10))  # a week without an answer: 40 business hours
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    ticket = fresh(ticket)
    assert ticket.waiting_since is None and ticket.sla_due_at is None
    assert ticket.resolution_due_at == paris(11, 17)  # Friday 17:00 + 40 h: a week later
    assert ticket.closed_at < ticket.resolution_due_at  # resolved in time
