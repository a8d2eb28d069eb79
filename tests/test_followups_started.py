"""Whether the last draining task has started, kept in a table of our own
(ecmp/core/followups.py, ecmp.core.models.FollowupTask), for any task backend."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.backends.dummy import DummyBackend
from django_tasks.signals import task_started
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from ecmp.core import followups
from ecmp.core.followups import enqueue_unless_waiting
from ecmp.core.models import FollowupTask
from tests.test_worker import DB_TASKS

KIND = "tests.drain"


@task()
def drain(n: int) -> int:
    return n


def wake(n):
    enqueue_unless_waiting(KIND, lambda: drain.enqueue(n))


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_no_task_is_enqueued_while_the_last_waits_and_one_is_once_it_started(
    django_assert_num_queries,
):
    wake(1)
    first = FollowupTask.objects.get()
    assert (first.kind, first.started_at) == (KIND, None)
    with django_assert_num_queries(1):  # one cheap read, no write
        wake(2)
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert FollowupTask.objects.get().started_at is not None
    wake(3)
    assert DBTaskResult.objects.count() == 2
    # The connection is done with its first task's row: one row per kind.
    latest = DBTaskResult.objects.get(status="READY")
    assert list(FollowupTask.objects.values_list("task_id", "started_at")) == [
        (str(latest.id), None)
    ]


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_task_started_before_its_row_was_written_is_not_waited_for():
    def enqueue_and_start_at_once():
        result = drain.enqueue(1)
        # A quick worker claims it, and finds no row to mark.
        DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING")
        task_started.send(DatabaseBackend, task_result=result)
        return result

    enqueue_unless_waiting(KIND, enqueue_and_start_at_once)
    assert not FollowupTask.objects.exists()
    wake(2)
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_a_task_that_never_starts_is_waited_for_only_so_long(monkeypatch):
    wake(1)
    monkeypatch.setattr(followups, "WAIT_AT_MOST", 0)  # the queue lost it, say
    wake(2)
    assert DBTaskResult.objects.count() == 2
    assert FollowupTask.objects.count() == 1  # the forgotten one's row went


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_the_rows_of_a_stopped_process_go_with_age():
    now = timezone.now()
    FollowupTask.objects.create(
        task_id="stopped", kind=KIND, enqueued_at=now - followups.KEEP_ROWS - timedelta(1)
    )
    FollowupTask.objects.create(task_id="another process", kind=KIND, enqueued_at=now)
    wake(1)
    assert set(FollowupTask.objects.values_list("task_id", flat=True)) == {
        "another process",
        str(DBTaskResult.objects.get().id),
    }


@pytest.mark.django_db
def test_where_tasks_run_inside_enqueue_nothing_is_recorded_and_each_item_has_a_task():
    results = []

    def run(n):
        results.append(drain.enqueue(n))
        return results[-1]

    for n in (1, 2):
        enqueue_unless_waiting(KIND, lambda n=n: run(n))
    assert [result.return_value for result in results] == [1, 2]
    assert not FollowupTask.objects.exists()


class RemoteQueue(DummyBackend):
    """A queue kept elsewhere (as on Redis): it answers for its tasks, and its
    worker signals each start (`start`)."""

    supports_get_result = True

    def start(self, task_id):
        result = self.get_result(task_id)
        object.__setattr__(result, "status", TaskResultStatus.RUNNING)
        task_started.send(type(self), task_result=result)


@pytest.mark.django_db
@override_settings(
    TASKS={
        "default": {
            "BACKEND": "tests.test_followups_started.RemoteQueue",
            "QUEUES": ["default", "mail"],
        }
    }
)
def test_another_backend_is_followed_the_same_way():
    queue = drain.get_backend()
    wake(1)
    wake(2)
    assert len(queue.results) == 1
    queue.start(queue.results[0].id)
    assert FollowupTask.objects.get().started_at is not None
    wake(3)
    assert len(queue.results) == 2
    assert FollowupTask.objects.get().task_id == queue.results[1].id
