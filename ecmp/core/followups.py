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

The state is explicit and kept per database connection (Django gives each thread
its own): a `_Transaction` collects one transaction's items, a `_ConnectionState`
says whether a worker task is running there and which task it enqueued last.

Nothing is lost if a follow-up fails or its process dies: the rows stay pending
(undispatched events, queued emails) and the periodic sweeps pick them up.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# The tasks that drain (`drains_waiting`), by module path: registered at import.
_draining: set[str] = set()


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
        # The last task of each draining kind enqueued from this connection.
        self.last_enqueued: dict[str, Any] = {}

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
        if waiting is not None:
            try:
                if _not_started(waiting):
                    return
            except Exception:  # the queue forgot it, or cannot say: enqueue another
                logger.debug("could not read the last %s task", key, exc_info=True)
        self.last_enqueued[key] = enqueue()


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


def enqueue_unless_waiting(key: str, enqueue: Callable[[], Any]) -> None:
    """Enqueue with `enqueue()`, unless the last task of this kind enqueued from this
    connection has not started yet: it will take what is waiting when it starts.

    Only for tasks that drain: the caller's items are committed before this runs,
    and a task still READY reads what is waiting after it starts.
    """
    _state().enqueue_unless_waiting(key, enqueue)


def _not_started(result: Any) -> bool:
    if not isinstance(result.task.get_backend(), DatabaseBackend):
        result.refresh()
        return result.status == TaskResultStatus.READY
    # The database queue (the default), in one plain statement: this runs after each
    # message stored, and refresh() (200 µs) or even an ORM exists() (145 µs) against
    # this 11 µs cost a third of the store rate (docs/performance.md). Issue 17 asks
    # for no SQL on the backend's table: a table of our own (the task id we enqueued,
    # marked when it starts) is the way; until then this statement stays.
    meta, alias = DBTaskResult._meta, router.db_for_read(DBTaskResult)
    connection, quote = connections[alias], connections[alias].ops.quote_name
    status, pk = meta.get_field("status").column, meta.pk.column
    # Names from the model's metadata, quoted; the id is a parameter.
    sql = f"SELECT {quote(status)} FROM {quote(meta.db_table)} WHERE {quote(pk)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [meta.pk.get_db_prep_value(result.id, connection)])
        row = cursor.fetchone()
    return row is not None and row[0] == TaskResultStatus.READY
