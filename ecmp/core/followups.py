"""Work that follows a transaction, handed to the worker once per transaction.

An email that opens a ticket makes a ticket, an event and an email for each agent:
one task each would spend more time in the queue than in the work. So each kind of
follow-up collects its ids during the transaction and is enqueued once after
commit, with all of them. And when the transaction already runs in a task marked
`worker_task` (an event being dispatched), its follow-ups (the emails) run right
there after commit: the worker is where they would go anyway. Inbound mail is not
marked: a burst is processed batch after batch while another worker, or the same
one afterwards, dispatches what each batch made.

A task that can drain (`drains_waiting`: given `waiting_since`, the time it was
enqueued, it also takes every item made since then and still waiting when it
starts) is enqueued only if the last one this connection enqueued has started:
while it waits in the queue, it will take these items too. A busy web process then
writes one task for many tickets, and the worker runs one. Where tasks cannot wait
(the immediate backend of the tests), nothing joins, and each task takes its own
items only.

Whether that task has started is kept in a table of our own (`FollowupTask`), for
any task backend: the enqueuer writes a row, the worker sets its `started_at` when
the task starts (django-tasks' `task_started` signal, which every backend sends
just before the task runs), and the next item's commit reads it with one statement.
An enqueuer deletes its previous task's row when it enqueues the next one, so a
connection keeps one row per kind; a stopped process's rows go with age.

The state is explicit and kept per database connection (Django gives each thread
its own): a `_Transaction` collects one transaction's items, a `_ConnectionState`
says whether a worker task is running there and which task it enqueued last.

Nothing is lost if a follow-up fails or its process dies: the rows stay pending
(undispatched events, queued emails) and the periodic sweeps pick them up.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.signals import task_started

from ecmp.core.models import FollowupTask

logger = logging.getLogger(__name__)

# The tasks that drain (`drains_waiting`), by module path: registered at import.
_draining: set[str] = set()

# A task not started this long after it was enqueued is not waited for any more:
# the queue may have lost it, or its start went unrecorded (a worker killed between
# claiming and starting it, a failed write). One more task is enqueued, which takes
# the waiting items (the sweeps take whatever is left in any case).
WAIT_AT_MOST = 5 * 60  # seconds
# The rows of a process that stopped (nobody reads them any more) are deleted at
# this age by the next enqueue: longer than WAIT_AT_MOST, and than any difference
# between the clocks of two machines.
KEEP_ROWS = timedelta(hours=1)


class _Transaction:
    """The items of one transaction, per task, until its commit hands them over.

    Django holds its commit callbacks exactly as long as their transaction may still
    commit (they are dropped on rollback, a savepoint's with the savepoint), and they
    are the only strong references to this object: once they are gone, so is it,
    and the next transaction starts a new one. An item added in a savepoint that was
    rolled back may ride along with the committed ones; its task finds no row for it.
    """

    def __init__(self, state: _ConnectionState) -> None:
        self.state = state
        self.items: list[tuple[Any, int]] = []

    def add(self, task: Any, item: int) -> int:
        """Collect the item; returns its position, for its commit callback."""
        self.items.append((task, item))
        return len(self.items) - 1

    def flush(self, start: int) -> None:
        """The transaction committed: hand the items over, once, from the first one
        whose callback runs (earlier ones were rolled back with a savepoint)."""
        if self.state.current is not None and self.state.current() is self:
            # A transaction opened from here on (by a follow-up run inline) is a
            # new one, with items of its own.
            self.state.current = None
        items, self.items = self.items[start:], []
        tasks: dict[str, tuple[Any, list[int]]] = {}
        for task, item in items:
            tasks.setdefault(task.module_path, (task, []))[1].append(item)
        for task, ids in tasks.values():
            self.state.hand_over(task, list(dict.fromkeys(ids)))


class _ConnectionState:
    """What the follow-ups of one database connection need to know."""

    def __init__(self) -> None:
        # The transaction collecting items, while it is open (see _Transaction).
        self.current: weakref.ref[_Transaction] | None = None
        # How many `worker_task` bodies run on this connection (they may nest).
        self.in_worker = 0
        # The last task of each draining kind enqueued from this connection: its id
        # and when (time.monotonic()).
        self.last_enqueued: dict[str, tuple[str, float]] = {}

    def hand_over(self, task: Any, items: list[int]) -> None:
        key = task.module_path
        if self.in_worker:
            try:
                task.call(items)
            except Exception:
                logger.exception("%s failed; the sweep will take it up again", key)
            return
        # The transaction is committed whatever happens here: if the queue is
        # unreachable, the error is logged (not shown to the user) and a sweep
        # redoes it; the other kinds of follow-up are still handed over.
        try:
            if key in _draining and task.get_backend().supports_get_result:
                since = timezone.now().isoformat()
                self.enqueue_unless_waiting(key, lambda: task.enqueue(items, waiting_since=since))
            else:
                task.enqueue(items)
        except Exception:
            logger.exception("enqueueing %s failed; the sweep will take it up again", key)

    def enqueue_unless_waiting(self, key: str, enqueue: Callable[[], Any]) -> None:
        waiting = self.last_enqueued.get(key)
        if waiting is not None and time.monotonic() - waiting[1] < WAIT_AT_MOST:
            try:
                if _not_started(waiting[0]):
                    return
            except Exception:  # cannot say: enqueue another
                logger.debug("could not read the last %s task", key, exc_info=True)
        result = enqueue()
        self.last_enqueued.pop(key, None)
        try:
            if _record_enqueued(key, result, previous=waiting[0] if waiting else None):
                self.last_enqueued[key] = (str(result.id), time.monotonic())
        except Exception:  # the next item enqueues another task: more tasks, no harm
            logger.exception("could not record the %s task %s", key, result.id)


def _record_enqueued(key: str, result: TaskResult[Any], previous: str | None) -> bool:
    """Write the row of a task just enqueued; whether it waits in the queue."""
    if result.status != TaskResultStatus.READY:
        return False  # it ran inside enqueue() (the immediate backend)
    now = timezone.now()
    FollowupTask.objects.create(task_id=str(result.id), kind=key, enqueued_at=now)
    # This connection is done with its previous task's row; rows past their age are
    # a stopped process's.
    done = Q(enqueued_at__lt=now - KEEP_ROWS)
    if previous is not None:
        done |= Q(pk=previous)
    FollowupTask.objects.filter(done).delete()
    # The id comes from the queue, so the row is written after the task is in it:
    # a quick worker may have started the task before, and found no row to mark.
    # Asked once now that the row is there (a start after this answer marks it),
    # the queue says which; a queue that cannot say counts as started.
    try:
        result.refresh()
        waits = result.status == TaskResultStatus.READY
    except Exception:
        waits = False
    if not waits:
        FollowupTask.objects.filter(pk=str(result.id)).delete()
    return waits


# Per connection object, forgotten with it.
_states: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _ConnectionState] = (
    weakref.WeakKeyDictionary()
)


def _state() -> _ConnectionState:
    connection = transaction.get_connection()
    state = _states.get(connection)
    if state is None:
        state = _states[connection] = _ConnectionState()
    return state


def after_commit(task: Any, item: int) -> None:
    """Run `task` with this item (and the others of the transaction) after commit."""
    connection = transaction.get_connection()
    state = _state()
    collecting = state.current() if state.current is not None else None
    if collecting is None or not connection.in_atomic_block:
        collecting = _Transaction(state)
        state.current = weakref.ref(collecting) if connection.in_atomic_block else None
    position = collecting.add(task, item)

    # One callback per item, so that a savepoint rolled back with the first item's
    # callback leaves the later ones theirs; the first to run takes its item and
    # every later one. A function, not a partial: Django logs its __qualname__.
    def flush() -> None:
        collecting.flush(position)

    transaction.on_commit(flush, robust=True)


def worker_task(function: Callable) -> Callable:
    """Mark a task's body: what it sets off after commit runs in the same worker."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        state = _state()
        state.in_worker += 1
        try:
            return function(*args, **kwargs)
        finally:
            state.in_worker -= 1

    return run


def drains_waiting(task: Any) -> Any:
    """Mark a task that, given `waiting_since`, also takes every item made since
    then and still waiting when it starts (see the module)."""
    _draining.add(task.module_path)
    return task


def _record_start(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """In the worker, as a task starts (before its body reads what waits): if it is
    one a process waits for, that process enqueues another for its next items.

    Whatever the task (only the enqueuer knows which it waits for): one statement,
    which finds no row for most tasks. Not where tasks never wait (the immediate
    backend: see `_record_enqueued`)."""
    if not task_result.task.get_backend().supports_get_result:
        return
    try:
        FollowupTask.objects.filter(pk=str(task_result.id), started_at__isnull=True).update(
            started_at=timezone.now()
        )
    except Exception:
        # The task runs all the same; its enqueuer stops waiting for it after
        # WAIT_AT_MOST.
        logger.exception("could not record the start of task %s", task_result.id)


task_started.connect(_record_start, dispatch_uid="ecmp.core.followups.record_start")


def enqueue_unless_waiting(key: str, enqueue: Callable[[], Any]) -> None:
    """Enqueue with `enqueue()`, unless the last task of this kind enqueued from this
    connection has not started yet: it will take what is waiting when it starts.

    Only for tasks that drain: the caller's items are committed before this runs,
    and a task still READY reads what is waiting after it starts.
    """
    _state().enqueue_unless_waiting(key, enqueue)


def _not_started(task_id: str) -> bool:
    """Whether this task's row says it has not started. No row (it had started when
    its row was written, or the row went with age): False, another task is due."""
    # This runs after each message stored: an ORM exists() (145 µs; 200 µs for the
    # backend's TaskResult.refresh()) cost a third of the store rate
    # (docs/performance.md). So the ORM writes the statement once per database, and
    # each check only runs it: as cheap as a hand-written statement (~15-25 µs).
    # The database the rows are written to: a replica could still say "waiting".
    alias = router.db_for_write(FollowupTask)
    statement = _statements.get(alias)
    if statement is None:
        statement = _statements[alias] = _Statement(alias)
    return statement.run(task_id)


# The check's statement, compiled once per database alias.
_statements: dict[str, _Statement] = {}


class _Statement:
    """`FollowupTask.objects.filter(pk=task_id, started_at=None).exists()`, compiled by
    the ORM once; only the id changes from one run to the next."""

    _ID = "<the task id>"  # stands for the id while the ORM compiles the query

    def __init__(self, alias: str) -> None:
        self.alias = alias
        query = (
            FollowupTask.objects.using(alias)
            .filter(pk=self._ID, started_at__isnull=True)
            .values_list("pk")[:1]
            .query
        )
        self.sql, params = query.get_compiler(using=alias).as_sql()
        self.params = list(params)
        if self.params.count(self._ID) != 1:
            raise ValueError(f"the task id is not one parameter of {self.sql}")
        self.position = self.params.index(self._ID)

    def run(self, task_id: str) -> bool:
        params = list(self.params)
        params[self.position] = task_id
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchone() is not None
