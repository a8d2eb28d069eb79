"""SLA deadlines and breaches, archiving, the periodic scheduler."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from ecmp.core.models import PeriodicSlot
from ecmp.core.periodic import periodic_run_due, schedule
from ecmp.notifications.models import Notification
from ecmp.sla.selectors import calendar_load
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket


def test_deadlines_follow_the_priority_and_the_calendar(alice):
    ticket = make_ticket(alice, priority=Priority.URGENT)
    calendar = calendar_load()
    assert ticket.first_response_due_at == calendar.add_business_minutes(ticket.created_at, 60)
    assert ticket.resolution_due_at == calendar.add_business_minutes(ticket.created_at, 240)
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_after_the_first_response_the_resolution_deadline_counts(alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_reply(ticket=ticket, author=agnes, body="Looking")
    ticket.refresh_from_db()
    assert ticket.sla_due_at == ticket.resolution_due_at
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None


def test_changing_the_priority_moves_the_deadlines(alice, agnes):
    ticket = make_ticket(alice, priority=Priority.LOW)
    before = ticket.first_response_due_at
    services.ticket_set_priority(ticket=ticket, actor=agnes, priority=Priority.URGENT, reason="x")
    ticket.refresh_from_db()
    assert ticket.first_response_due_at < before


def test_a_breach_notifies_every_agent_once_when_nobody_is_assigned(
    alice, agnes, adam, django_capture_on_commit_callbacks
):
    ticket = make_ticket(alice, priority=Priority.URGENT)
    later = ticket.sla_due_at + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tickets_check_sla(now=later) == 1
        assert services.tickets_check_sla(now=later) == 0
    event = ticket.events.get(kind=EventKind.SLA_BREACH)
    assert event.internal and event.to_value == "first_response"
    assert set(Notification.objects.values_list("recipient__email", flat=True)) == {
        agnes.email,
        adam.email,
    }


def test_a_breach_notifies_the_assignee_and_each_deadline_once(
    alice, agnes, adam, django_capture_on_commit_callbacks
):
    ticket = make_ticket(alice, priority=Priority.URGENT)
    services.ticket_accept(ticket=ticket, actor=agnes)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.tickets_check_sla(now=ticket.sla_due_at + timedelta(minutes=1))
    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [agnes.email]
    assert not Notification.objects.filter(recipient=alice).exists()


def test_a_met_deadline_is_no_breach(alice, agnes):
    ticket = make_ticket(alice, priority=Priority.URGENT)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    assert services.tickets_check_sla(now=timezone.now() + timedelta(days=30)) == 0


def closed_ticket(user, agent, days_ago):
    ticket = make_ticket(user)
    services.ticket_transition(ticket=ticket, actor=agent, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    return ticket


def test_archiving_takes_only_tickets_closed_long_enough_and_is_idempotent(alice, agnes):
    old = closed_ticket(alice, agnes, 91)
    recent = closed_ticket(alice, agnes, 10)
    still_open = make_ticket(alice)
    assert services.tickets_archive_closed(older_than_days=90) == 1
    assert services.tickets_archive_closed(older_than_days=90) == 0
    old.refresh_from_db(), recent.refresh_from_db(), still_open.refresh_from_db()
    assert old.archived_at is not None
    assert recent.archived_at is None and still_open.archived_at is None
    assert old.events.filter(kind=EventKind.ARCHIVED).count() == 1


def test_the_archive_command(alice, agnes, capsys):
    closed_ticket(alice, agnes, 5)
    call_command("archive_tickets", days=3)
    assert "1 ticket(s) archived." in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_archivers_at_once_archive_each_ticket_once(alice, agnes):
    tickets = [closed_ticket(alice, agnes, 100) for _ in range(30)]
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def archive():
        try:
            barrier.wait()
            counts.append(services.tickets_archive_closed(older_than_days=90))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=archive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == len(tickets)
    for ticket in tickets:
        assert ticket.events.filter(kind=EventKind.ARCHIVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_agents_accepting_at_once_one_wins(alice, agnes, adam):
    ticket = make_ticket(alice)
    outcomes, barrier = [], threading.Barrier(2)

    def accept(agent):
        from django.core.exceptions import ValidationError

        try:
            barrier.wait()
            services.ticket_accept(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent)
            outcomes.append("won")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(who,)) for who in (agnes, adam)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["This ticket was already accepted by someone else.", "won"]
    assert ticket.events.filter(kind=EventKind.STATUS).count() == 1
    assert ticket.events.filter(kind=EventKind.ASSIGNED).count() == 1


def test_each_periodic_slot_is_enqueued_once(db):
    now = datetime(2026, 11, 27, 10, 30, 5, tzinfo=UTC)  # not near an hour's end
    jobs = schedule()
    first = periodic_run_due(now)
    again = periodic_run_due(now)
    assert set(first) == set(jobs) and {"check-sla", "archive-closed-tickets"} <= set(first)
    assert again == []
    assert PeriodicSlot.objects.count() == len(jobs)
    every_minute = {name for name, (_job, period) in jobs.items() if period == 60}
    assert set(periodic_run_due(now + timedelta(minutes=1))) == every_minute


def test_run_periodic_once(db):
    call_command("run_periodic", once=True)
    assert PeriodicSlot.objects.count() == len(schedule())


def test_an_agent_opens_a_notification_on_the_desk(
    client_for, alice, agnes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(alice)
    notification = Notification.objects.get(recipient=agnes)
    from django.urls import reverse

    response = client_for(agnes).post(reverse("portal:notification-open", args=[notification.pk]))
    assert response.url == reverse("desk:ticket-detail", args=[ticket.number])
