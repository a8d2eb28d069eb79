"""Follow-up work is handed to the worker once per transaction (ecmp/core/followups.py)."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ecmp.core.followups import after_commit, worker_task
from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.mail.models import InboundEmail, OutboundEmail
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
@override_settings(TASKS=DB_TASKS)
def test_an_email_ticket_costs_one_task_however_many_emails_follow(alice, agnes, adam):
    inbound_store(build_mail(subject="Scanner jammed"), source="test")
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    ticket = Ticket.objects.get(subject="Scanner jammed")
    assert InboundEmail.objects.get().ticket == ticket
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    # The acknowledgement to Alice and a notice to each agent: all sent, by that one task.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, agnes.email, adam.email])
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert DBTaskResult.objects.count() == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
