"""Inbound batches on PostgreSQL, two workers at once (found in review): a worker
cancelled by PostgreSQL for a deadlock leaves its message waiting, not failed; a
database error in one message leaves the batch usable."""

import threading

import pytest
from django.db import connection, connections

from ecmp.mail.inbound import pipeline, route
from ecmp.mail.inbound.pipeline import inbound_retry, inbound_store
from ecmp.mail.models import InboundEmail
from ecmp.mail.tasks import inbound_process, inbound_sweep
from ecmp.tickets.models import Ticket
from tests.factories import make_ticket
from tests.mailtools import build_mail

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_workers_never_mark_a_good_message_failed(alice, agnes, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 2)
    monkeypatch.setattr(pipeline, "_wake_worker", lambda pk: None)  # they wait, as in a burst
    y = make_ticket(alice, subject="Ticket Y")
    # Worker A will take the two oldest, worker B the two others (skip_locked).
    for subject in ["New 1", f"Re: [#{y.number}] A", f"Re: [#{y.number}] B", "New 2"]:
        inbound_store(build_mail(subject=subject), source="test")

    real_route = route.inbound_route
    a_first_done = threading.Event()
    both_had_one = threading.Barrier(2, timeout=10)
    seen = threading.local()

    def paced_route(row, batch=None):
        real_route(row, batch)
        if getattr(seen, "count", 0) == 0:
            seen.count = 1
            if threading.current_thread().name == "A":
                a_first_done.set()
            both_had_one.wait()

    monkeypatch.setattr(route, "inbound_route", paced_route)
    errors = []

    def worker():
        try:
            pipeline._handle_batch([])
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=worker, name="A")
    a.start()
    assert a_first_done.wait(10)
    b = threading.Thread(target=worker, name="B")
    b.start()
    a.join(30)
    b.join(30)
    assert not errors
    # A holds the ticket counter (New 1) and waits for Y; B holds Y (its reply) and
    # waits for the counter (New 2): PostgreSQL kills one, and that message is kept
    # as failed for an admin, though nothing was wrong with it.
    failed = list(InboundEmail.objects.filter(status="failed").values_list("subject", "last_error"))
    assert failed == []
    # The cancelled message, if any, waits for the next batch, which takes it.
    monkeypatch.setattr(route, "inbound_route", real_route)
    pipeline._handle_batch([])
    assert set(InboundEmail.objects.values_list("status", flat=True)) == {"processed"}


def test_a_database_error_in_one_message_leaves_the_batch_usable(alice, monkeypatch):
    real_create = route.services.ticket_create

    def create_then_db_error(**kwargs):
        ticket = real_create(**kwargs)
        if kwargs["subject"] == "Printer 1":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        return ticket

    monkeypatch.setattr(route.services, "ticket_create", create_then_db_error)
    for n in range(3):
        inbound_store(build_mail(subject=f"Printer {n}"), source="test")
    InboundEmail.objects.update(status="received")  # the immediate backend processed them
    Ticket.objects.all().delete()
    outcomes = pipeline._handle_batch([])
    assert sorted(outcomes.values()) == ["failed", "ticket_created", "ticket_created"]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Printer 0", "Printer 2"]


def test_a_retried_failed_message_cancelled_for_a_deadlock_is_taken_again(alice, monkeypatch):
    real_route = route.inbound_route
    calls = []

    def route_once_broken_then_deadlocked(row, batch=None):
        calls.append(row.pk)
        if len(calls) == 1:
            raise RuntimeError("first attempt breaks")  # kept as failed, for an admin
        if len(calls) == 2:  # the admin's retry: PostgreSQL cancels it (a real 40P01)
            with connection.cursor() as cursor:
                cursor.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' "
                    "USING ERRCODE = 'deadlock_detected'; END $$"
                )
        return real_route(row, batch)

    monkeypatch.setattr(route, "inbound_route", route_once_broken_then_deadlocked)
    row, _ = inbound_store(build_mail(subject="Printer"), source="test")  # runs at once
    row.refresh_from_db()
    assert row.status == "failed"

    inbound_retry(inbound_id=row.pk)  # outside a transaction: the task runs at once
    assert len(calls) >= 2  # the retry ran, and was cancelled: "taken again", says the log
    # (Found in review.) It waits again, and the next burst or the sweep takes it:
    inbound_process.call([])
    InboundEmail.objects.filter(pk=row.pk).update(received_at=row.received_at.replace(year=2000))
    inbound_sweep.call()
    row.refresh_from_db()
    assert (row.status, len(calls)) == ("processed", 3), (row.status, row.last_error, calls)
