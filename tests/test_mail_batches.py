"""Mail and events in batches: a burst of mail is processed a batch per transaction,
one bad message or event never holds back the others, and storing mail while a
task waits enqueues no other."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ecmp.mail.inbound import pipeline
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.mail.models import InboundEmail
from ecmp.mail.tasks import inbound_process
from ecmp.tickets.models import Ticket, TicketEvent
from ecmp.tickets.tasks import event_dispatch
from tests.conftest import signed_in
from tests.factories import make_ticket
from tests.mailtools import build_mail

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
}


def stored(count, **kwargs):
    """Messages stored as the gateways store them; in an ordinary test their commit
    never comes, so no task runs: they wait, as a burst waits for the worker."""
    return [
        inbound_store(build_mail(subject=f"Printer {n}", **kwargs), source="test")[0]
        for n in range(count)
    ]


def test_a_task_takes_every_waiting_message_a_batch_at_a_time(alice, agnes, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 2)
    monkeypatch.setattr(pipeline, "BATCHES_PER_TASK", 2)  # then a new task takes the rest
    rows = stored(7)
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {"received"}

    inbound_process.call([rows[-1].pk])

    assert set(InboundEmail.objects.values_list("status", flat=True)) == {"processed"}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"Printer {n}" for n in range(7)
    ]
    # Oldest first: the numbers follow the order the messages came in.
    by_number = Ticket.objects.order_by("number").values_list("subject", flat=True)
    assert list(by_number) == [f"Printer {n}" for n in range(7)]


def break_the_creation_of(subject, monkeypatch):
    """The ticket for `subject` is made, then the disk is full; returns the real service."""
    from ecmp.mail.inbound import route

    real_create = route.services.ticket_create

    def create_then_break(**kwargs):
        ticket = real_create(**kwargs)
        if kwargs["subject"] == subject:
            raise RuntimeError("the disk is full")
        return ticket

    monkeypatch.setattr(route.services, "ticket_create", create_then_break)
    return real_create


def test_one_broken_message_is_kept_failed_and_the_batch_goes_on(alice, monkeypatch):
    from ecmp.mail.inbound import route

    real_create = break_the_creation_of("Printer 1", monkeypatch)
    rows = stored(3)

    assert inbound_process.call([]) == {"ticket_created": 2, "failed": 1}

    broken = InboundEmail.objects.get(pk=rows[1].pk)
    assert broken.status == "failed" and broken.attempts == 1
    assert broken.last_error == "RuntimeError: the disk is full"
    # Its ticket was rolled back with it; the others are there.
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Printer 0", "Printer 2"]
    assert not TicketEvent.objects.filter(ticket__subject="Printer 1").exists()

    # An admin's "Process again" once the cause is gone: it goes through.
    monkeypatch.setattr(route.services, "ticket_create", real_create)
    assert inbound_process.call([broken.pk]) == {"ticket_created": 1}
    broken.refresh_from_db()
    assert broken.status == "processed" and broken.last_error == ""


def test_a_message_that_cannot_be_read_fails_alone(alice, bob, monkeypatch):
    """The batch parses its messages and reads their senders together: one that
    cannot be parsed still fails on its own, with its error."""
    from ecmp.mail.inbound import route

    real_parse = route.parse_message

    def parse_or_break(raw):
        if b"Printer 1" in raw:
            raise ValueError("no such charset")
        return real_parse(raw)

    monkeypatch.setattr(route, "parse_message", parse_or_break)
    rows = [*stored(2), inbound_store(build_mail(sender=bob.email), source="test")[0]]

    assert inbound_process.call([]) == {"ticket_created": 2, "failed": 1}
    assert InboundEmail.objects.get(pk=rows[1].pk).last_error == "ValueError: no such charset"
    # Each sender got their own ticket.
    requesters = Ticket.objects.order_by("pk").values_list("requester__email", flat=True)
    assert list(requesters) == [alice.email, bob.email]


def refuse_to_read_the_sender(address, monkeypatch):
    """The database refuses any query of the senders that holds this address."""
    from django.db import DatabaseError

    from ecmp.mail.inbound import route

    real_senders = route._senders

    def refusing(addresses):
        if address in addresses:
            raise DatabaseError("a string literal cannot contain NUL")
        return real_senders(addresses)

    monkeypatch.setattr(route, "_senders", refusing)


def test_an_address_the_database_refuses_fails_its_message_only(alice, bob, monkeypatch):
    """The batch reads its senders at once; if the database refuses that query,
    each message reads its own, in its savepoint."""
    refuse_to_read_the_sender("x@hostile.test", monkeypatch)
    stored(1)
    hostile = inbound_store(build_mail(sender="x@hostile.test"), source="test")[0]
    inbound_store(build_mail(sender=bob.email), source="test")

    assert inbound_process.call([]) == {"ticket_created": 2, "failed": 1}
    assert InboundEmail.objects.get(pk=hostile.pk).status == "failed"
    requesters = Ticket.objects.order_by("pk").values_list("requester__email", flat=True)
    assert list(requesters) == [alice.email, bob.email]


def test_a_failed_message_is_not_taken_again_by_the_next_burst(alice, monkeypatch):
    from ecmp.mail.inbound import route

    def broken(**kwargs):
        raise RuntimeError("no")

    monkeypatch.setattr(route.services, "ticket_create", broken)
    stored(1)
    assert inbound_process.call([]) == {"failed": 1}
    # Only an admin brings it back: the worker's next tasks leave it failed.
    assert inbound_process.call([]) == {}
    assert InboundEmail.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_mail_stored_while_a_task_waits_needs_no_other_task(alice, agnes, monkeypatch):
    stored(3)
    # The first message enqueued a task; it has not started, so it will take the
    # two that came after it.
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert set(InboundEmail.objects.values_list("status", flat=True)) == {"processed"}
    assert Ticket.objects.count() == 3
    assert sorted({m.to[0] for m in mail.outbox}) == [agnes.email, alice.email]
    # That task has run: the next message wakes the worker again.
    stored(1)
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_one_failing_event_stays_undispatched_and_the_others_go_out(
    alice, agnes, monkeypatch, django_capture_on_commit_callbacks
):
    from ecmp.mail import events

    made = [make_ticket(alice, subject=f"Scanner {n}") for n in range(3)]
    real = events.emails_for_event

    def emails_or_break(event, *preloaded):
        if event.ticket.subject == "Scanner 1":
            raise RuntimeError("template missing")
        return real(event, *preloaded)

    monkeypatch.setattr(events, "emails_for_event", emails_or_break)
    created = list(TicketEvent.objects.order_by("pk").values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        event_dispatch.call(created)

    pending = TicketEvent.objects.filter(dispatched_at__isnull=True)
    assert list(pending.values_list("ticket__subject", flat=True)) == ["Scanner 1"]
    # The broken one left nothing behind: no notice, no email about it.
    assert not made[1].notifications.exists()
    assert {m.subject.split("]")[0] for m in mail.outbox} == {
        f"[#{made[0].number}",
        f"[#{made[2].number}",
    }


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_burst_becomes_tickets_before_its_notices_go_out(alice, agnes, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 1)
    monkeypatch.setattr(pipeline, "BATCHES_PER_TASK", 1)  # a task per message here
    stored(3)

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    ran = DBTaskResult.objects.order_by("started_at").values_list("task_path", flat=True)
    paths = [path.rsplit(".", 1)[-1] for path in ran]
    # Each message's task hands the rest to the next one, which runs before the
    # dispatch its predecessor left in the queue.
    assert paths[:3] == ["inbound_process"] * 3
    assert set(paths[3:]) <= {"inbound_process", "event_dispatch"}
    # The dispatch the first one left takes the events of all three: the later
    # ones found it still waiting and joined it.
    assert paths.count("event_dispatch") == 1
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert len(mail.outbox) == 6  # an acknowledgement and Agnes's notice, each


def test_large_messages_go_fewer_at_a_time(alice, monkeypatch):
    """Each message's bytes are in memory while its batch runs."""
    monkeypatch.setattr(pipeline, "BATCH_BYTES", 1)  # every message is "large"
    stored(3)
    taken = []
    real_in_bulk = InboundEmail.objects.in_bulk

    def recording_in_bulk(ids, *args, **kwargs):
        taken.append(list(ids))
        return real_in_bulk(ids, *args, **kwargs)

    monkeypatch.setattr(InboundEmail.objects, "in_bulk", recording_in_bulk)
    assert inbound_process.call([]) == {"ticket_created": 3}
    assert [len(batch) for batch in taken if batch] == [1, 1, 1]


def test_each_message_of_a_batch_costs_the_same_few_queries(alice, agnes, adam):
    """No query grows with the batch: the staff, the service levels and the batch's
    selection are read once; each new ticket costs the same handful of statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count):
        stored(count)
        with CaptureQueriesContext(connection) as captured:
            assert inbound_process.call([]) == {"ticket_created": count}
        return len(captured)

    queries_for(1)  # the service levels are read once per process
    two, six = queries_for(2), queries_for(6)
    per_message = (six - two) / 4
    # Its two savepoints (four statements), the counter, the ticket, its event, the
    # message's row; and the ticket's search document (PostgreSQL: its tsvector;
    # SQLite: its FTS5 row, tickets/search.py).
    most = {"sqlite": 10, "postgresql": 11}[connection.vendor]
    assert per_message == int(per_message) and per_message <= most, (two, six, per_message)


def test_each_reply_of_a_batch_costs_the_same_few_queries(alice, agnes, adam):
    """A reply reads its ticket once, locked, and writes on that row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = make_ticket(alice, subject="Old")

    def queries_for(count):
        for _ in range(count):
            inbound_store(build_mail(subject=f"Re: [#{ticket.number}] Old"), source="test")
        with CaptureQueriesContext(connection) as captured:
            assert inbound_process.call([]) == {"reply": count}
        return len(captured)

    queries_for(1)
    two, six = queries_for(2), queries_for(6)
    per_message = (six - two) / 4
    # Two savepoints, the ticket read (locked), the message, its event, the ticket's
    # new version, the message's row; and the search document (in a savepoint of its
    # own: PostgreSQL's tsvector, SQLite's FTS5 row, tickets/search.py).
    most = {"sqlite": 10, "postgresql": 12}[connection.vendor]
    assert per_message == int(per_message) and per_message <= most, (two, six, per_message)


def test_the_sender_limit_counts_the_tickets_of_the_same_batch(alice, settings, monkeypatch):
    """The tickets a sender opened are read once per batch, then counted on: the limit
    holds inside a batch, and a message that failed opened nothing."""
    settings.ECMP_MAIL_SENDER_LIMIT = 3
    stored(1)  # a ticket opened in an earlier batch
    assert inbound_process.call([]) == {"ticket_created": 1}
    break_the_creation_of("Printer 1", monkeypatch)
    rows = stored(5)  # Printer 0 … 4, one batch

    assert inbound_process.call([]) == {"ticket_created": 2, "failed": 1, "held": 2}
    assert [
        row.outcome
        for row in InboundEmail.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")
    ] == ["ticket_created", "", "ticket_created", "held", "held"]
    assert Ticket.objects.count() == 3


def test_each_event_of_a_dispatch_costs_the_same_few_queries(
    alice, agnes, adam, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count):
        made = [make_ticket(alice, subject=f"Scanner {n}") for n in range(count)]
        events = TicketEvent.objects.filter(ticket__in=made).values_list("pk", flat=True)
        with CaptureQueriesContext(connection) as captured:
            event_dispatch.call(list(events))
        return len(captured)

    two, six = queries_for(2), queries_for(6)
    # Per event: its savepoint (two), its notifications, its three emails (Alice,
    # Agnes, Adam) in one statement; the staff, the batch and its tickets' past
    # emails (two) once.
    per_event = (six - two) / 4
    assert per_event == int(per_event) and per_event <= 4, (two, six, per_event)


NEW_TICKET = {"subject": "Scanner jammed", "description": "Page 3 is stuck.", "priority": "2"}


def tickets_made_on_the_web(user, count):
    """Tickets made through the portal's form; the signed-in client, for more."""
    client = signed_in(user)
    for _ in range(count):
        assert client.post("/portal/tickets/new/", NEW_TICKET).status_code == 302
    return client


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_tickets_made_while_a_dispatch_waits_need_no_other_task(alice, agnes):
    """A busy desk writes one task for many tickets, and the worker runs one."""
    client = tickets_made_on_the_web(alice, 3)
    assert list(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("ecmp.tickets.tasks.event_dispatch", "READY")
    ]

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    # A notice to Agnes for each ticket (made in the portal: no acknowledgement).
    assert [m.to[0] for m in mail.outbox] == [agnes.email] * 3
    # That task has run: the next ticket enqueues a new one, which takes it.
    assert client.post("/portal/tickets/new/", NEW_TICKET).status_code == 302
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    assert len(mail.outbox) == 4


def test_a_dispatch_takes_the_events_made_since_it_was_enqueued_and_hands_on_the_rest(
    alice, agnes, monkeypatch, django_capture_on_commit_callbacks
):
    from ecmp.tickets import tasks

    monkeypatch.setattr(tasks, "BATCH", 2)
    monkeypatch.setattr(tasks, "BATCHES_PER_TASK", 2)
    enqueued = timezone.now()
    made = [make_ticket(alice, subject=f"Scanner {n}") for n in range(7)]
    # Made before the task was enqueued (beyond the clocks' margin): not the task's.
    old = TicketEvent.objects.get(ticket=made[0])
    TicketEvent.objects.filter(pk=old.pk).update(
        created_at=enqueued - tasks.WAITING_MARGIN - timedelta(seconds=1)
    )
    handed = []

    class NextTask:  # what the task hands on, recorded instead of enqueued
        def enqueue(self, *args, **kwargs):
            handed.append((args, kwargs))

    monkeypatch.setattr(tasks, "event_dispatch", NextTask())
    given = TicketEvent.objects.get(ticket=made[6]).pk

    # Without waiting_since (the sweep, the immediate backend): its own events only.
    event_dispatch.call([given])
    assert TicketEvent.objects.filter(dispatched_at__isnull=True).count() == 6

    # Two batches of two waiting events, the oldest first; the rest to a new task.
    since = enqueued.isoformat()
    event_dispatch.call([], waiting_since=since)
    pending = TicketEvent.objects.filter(dispatched_at__isnull=True)
    assert sorted(pending.values_list("ticket__subject", flat=True)) == ["Scanner 0", "Scanner 5"]
    fourth = TicketEvent.objects.get(ticket=made[4])
    after = [fourth.created_at.isoformat(), fourth.pk]
    assert handed == [(([],), {"waiting_since": since, "after": after})]
    # The next task goes on from there; the one made before is the sweep's.
    event_dispatch.call([], waiting_since=since, after=after)
    assert list(pending.values_list("ticket__subject", flat=True)) == ["Scanner 0"]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_dispatch_that_waited_long_still_takes_every_event_that_joined_it(alice, agnes):
    """A worker down for hours: the one task waiting takes all that came since."""
    tickets_made_on_the_web(alice, 3)
    # As if the task had waited two hours, and the tickets came an hour ago.
    waiting = DBTaskResult.objects.get()
    waiting.args_kwargs["kwargs"]["waiting_since"] = (
        timezone.now() - timedelta(hours=2)
    ).isoformat()
    waiting.save()
    TicketEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert len(mail.outbox) == 3


def test_a_dispatch_that_keeps_failing_is_tried_once_per_task(
    alice, agnes, monkeypatch, django_capture_on_commit_callbacks
):
    from ecmp.mail import events

    make_ticket(alice, subject="Scanner")
    tries = []

    def broken(event, *preloaded):
        tries.append(event.pk)
        raise RuntimeError("template missing")

    monkeypatch.setattr(events, "emails_for_event", broken)
    assert event_dispatch.call([], waiting_since=timezone.now().isoformat()) == 0
    assert len(tries) == 1
    assert TicketEvent.objects.filter(dispatched_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_events_that_keep_failing_never_hold_back_the_ones_after_them(alice, agnes, monkeypatch):
    """Each is tried once by the chain of tasks, which goes on past them and ends."""
    from ecmp.mail import events
    from ecmp.tickets import tasks

    monkeypatch.setattr(tasks, "BATCH", 2)
    monkeypatch.setattr(tasks, "BATCHES_PER_TASK", 2)
    real = events.emails_for_event
    tries = []

    def broken_for_some(event, *preloaded):
        if event.ticket.subject.startswith("Broken"):
            tries.append(event.pk)
            raise RuntimeError("template missing")
        return real(event, *preloaded)

    monkeypatch.setattr(events, "emails_for_event", broken_for_some)
    client = signed_in(alice)
    for n in range(5):
        client.post("/portal/tickets/new/", {**NEW_TICKET, "subject": f"Broken {n}"})
    client.post("/portal/tickets/new/", {**NEW_TICKET, "subject": "Fine"})
    assert DBTaskResult.objects.count() == 1  # all six joined the first task

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert TicketEvent.objects.get(ticket__subject="Fine").dispatched_at is not None
    assert [m.subject for m in mail.outbox if "Fine" in m.subject]
    assert len(tries) == len(set(tries)) == 5
    assert not DBTaskResult.objects.filter(status="READY").exists()  # the chain ended
    # The sweep takes them again later, the failures last.
    broken = TicketEvent.objects.filter(dispatched_at__isnull=True)
    assert set(broken.values_list("dispatch_failures", flat=True)) == {1}


def test_the_sweep_takes_the_events_that_failed_least_first(
    alice, agnes, monkeypatch, django_capture_on_commit_callbacks
):
    from ecmp.tickets import tasks

    made = [make_ticket(alice, subject=f"Scanner {n}") for n in range(3)]
    TicketEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    TicketEvent.objects.filter(ticket=made[0]).update(dispatch_failures=7)
    taken = []

    class Dispatch:  # what the sweep hands over, recorded
        def call(self, ids):
            taken.extend(ids)

    monkeypatch.setattr(tasks, "event_dispatch", Dispatch())

    tasks.event_dispatch_sweep.call()

    subjects = dict(TicketEvent.objects.values_list("pk", "ticket__subject"))
    assert [subjects[pk] for pk in taken] == ["Scanner 1", "Scanner 2", "Scanner 0"]


def test_the_sender_limit_holds_when_each_message_reads_its_own_count(alice, settings, monkeypatch):
    """When the batch's senders cannot be read together, each message counts the
    tickets its sender opened: the limit holds all the same."""
    settings.ECMP_MAIL_SENDER_LIMIT = 2
    refuse_to_read_the_sender("x@hostile.test", monkeypatch)
    inbound_store(build_mail(sender="x@hostile.test"), source="test")
    stored(4)
    assert inbound_process.call([]) == {"failed": 1, "ticket_created": 2, "held": 2}
    held = InboundEmail.objects.filter(reason="too many new tickets from this sender")
    assert Ticket.objects.count() == 2 and held.count() == 2


def test_a_batch_of_events_keeps_each_ticket_thread(alice, agnes):
    """The batch reads its tickets' past emails at once; a ticket with two events in
    the batch threads the second's email under the first's."""
    from ecmp.mail.models import OutboundEmail
    from ecmp.tickets import services

    def dispatch_what_waits():
        waiting = TicketEvent.objects.filter(dispatched_at__isnull=True).order_by("pk")
        event_dispatch.call(list(waiting.values_list("pk", flat=True)))

    first, second = make_ticket(alice, subject="First"), make_ticket(alice, subject="Second")
    for ticket in (first, second):
        services.ticket_accept(ticket=ticket, actor=agnes)
    dispatch_what_waits()
    services.ticket_reply(ticket=first, author=agnes, body="One")
    services.ticket_reply(ticket=second, author=agnes, body="Two")
    services.ticket_reply(ticket=first, author=agnes, body="Three")
    dispatch_what_waits()  # one batch: three events, two tickets

    def thread(ticket):
        rows = OutboundEmail.objects.filter(ticket=ticket, to=[alice.email]).order_by("pk")
        return [(row.message_id, row.headers) for row in rows]

    (accepted, _), (one, one_headers), (_three, three_headers) = thread(first)
    assert one_headers["In-Reply-To"] == accepted
    assert three_headers["In-Reply-To"] == one
    assert three_headers["References"].split() == [accepted, one]
    (accepted_2, _), (_two, two_headers) = thread(second)
    assert two_headers["References"].split() == [accepted_2]
