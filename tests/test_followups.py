"""Follow-up work is handed to the worker once per transaction (ecmp/core/followups.py)."""

import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ecmp.core.followups import after_commit, worker_task
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.mail.models import OutboundEmail
from ecmp.tickets.models import Ticket, TicketEvent
from tests.mailtools import build_mail
from tests.test_worker import DB_TASKS


class Recorder:
    """Stands for a task: records how it was handed its items."""

    module_path = "tests.recorder"

    def __init__(self, fail=False):
        self.enqueued, self.called, self.fail = [], [], fail

    def enqueue(self, items):
        self.enqueued.append(items)

    def call(self, items):
        self.called.append(items)
        if self.fail:
            raise RuntimeError("boom")


@pytest.mark.django_db(transaction=True)
def test_the_items_of_one_transaction_make_one_task():
    task = Recorder()
    with transaction.atomic():
        for item in (1, 2, 2, 3):
            after_commit(task, item)
        assert task.enqueued == []  # nothing before commit
    assert task.enqueued == [[1, 2, 3]]
    after_commit(task, 4)  # outside a transaction: at once
    assert task.enqueued == [[1, 2, 3], [4]]


@pytest.mark.django_db(transaction=True)
def test_the_items_of_a_rolled_back_transaction_never_run():
    task = Recorder()
    with pytest.raises(RuntimeError), transaction.atomic():
        after_commit(task, 1)
        raise RuntimeError("rolled back")
    with transaction.atomic():
        after_commit(task, 2)
    assert task.enqueued == [[2]]


@pytest.mark.django_db(transaction=True)
def test_in_the_worker_follow_ups_run_there_and_a_failure_is_only_logged(caplog):
    task = Recorder(fail=True)

    @worker_task
    def body():
        with transaction.atomic():
            after_commit(task, 7)
        return "done"

    assert body() == "done"
    assert task.called == [[7]] and task.enqueued == []
    assert "the sweep will take it up again" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_run_inside_another_leaves_the_outer_transaction_its_items():
    """(Found in review.) The worker commits an event and an email; the event's
    dispatch, run inline, commits emails of its own: neither batch eats the other."""
    emails = Recorder()
    emails.module_path = "tests.emails"

    class Events(Recorder):
        module_path = "tests.events"

        def call(self, items):
            super().call(items)
            with transaction.atomic():
                after_commit(emails, 20)

    events = Events()

    @worker_task
    def body():
        with transaction.atomic():
            after_commit(events, 1)
            after_commit(emails, 10)

    body()
    assert events.called == [[1]]
    assert emails.called == [[20], [10]]


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_loses_nothing_that_was_committed():
    """An item of the rolled-back savepoint may ride along (the task then finds no
    row for it); the committed ones all run."""
    task = Recorder()
    with transaction.atomic():
        after_commit(task, 1)
        with pytest.raises(RuntimeError), transaction.atomic():
            after_commit(task, 2)
            raise RuntimeError("inner")
        after_commit(task, 3)
    handed = [item for batch in task.enqueued for item in batch]
    assert {1, 3} <= set(handed) and len(handed) == len(set(handed))


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_refused_attachment_notice_is_sent_by_the_same_task(alice, agnes):
    raw = build_mail(
        subject="Virus",
        attachments=[("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "application", "octet-stream")],
    )
    inbound_store(raw, source="test")
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    kinds = dict(OutboundEmail.objects.values_list("kind", "status"))
    assert kinds.get("attachment_refused") == "sent", kinds
    # The message's task; after its commit, the notice's sending and the event's
    # dispatch (which sends the acknowledgement and the agent's notice itself).
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "ecmp.mail.tasks.inbound_process",
        "ecmp.mail.tasks.outbox_send",
        "ecmp.tickets.tasks.event_dispatch",
    ]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_burst_of_mail_costs_two_tasks_however_many_messages_and_emails(
    alice, agnes, adam, monkeypatch
):

    for n in range(3):
        inbound_store(build_mail(subject=f"Scanner {n} jammed"), source="test")
    assert DBTaskResult.objects.count() == 1  # the others came while it waited

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    tickets = Ticket.objects.filter(subject__startswith="Scanner")
    assert tickets.count() == 3
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    # An acknowledgement to Alice and a notice to each agent, for each ticket.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [alice.email, agnes.email, adam.email] * 3
    )
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    # The messages' task, then the dispatch of their events (which sends the emails).
    assert list(
        DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "status")
    ) == [
        ("ecmp.mail.tasks.inbound_process", "SUCCESSFUL"),
        ("ecmp.tickets.tasks.event_dispatch", "SUCCESSFUL"),
    ]


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_never_undoes_or_fails_the_committed_action(caplog):
    class Down(Recorder):
        def enqueue(self, items):
            raise ConnectionError("queue down")

    with transaction.atomic():
        after_commit(Down(), 1)
    assert "queue down" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_with_the_first_item_leaves_the_later_ones_theirs():
    task = Recorder()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            after_commit(task, 1)
            raise RuntimeError("inner")
        after_commit(task, 2)
        after_commit(task, 3)
    handed = [item for batch in task.enqueued for item in batch]
    assert {2, 3} <= set(handed) and len(task.enqueued) == 1


@pytest.mark.django_db(transaction=True)
def test_each_thread_collects_its_own_transaction():
    """The state is kept per database connection, and Django gives each thread its
    own: two transactions at once never mix their items."""
    task, started, go_on = Recorder(), threading.Event(), threading.Event()

    def other():
        try:
            with transaction.atomic():
                after_commit(task, 20)
                started.set()
                go_on.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(5)
    with transaction.atomic():
        after_commit(task, 10)
    go_on.set()
    thread.join(5)
    assert sorted(task.enqueued) == [[10], [20]]
