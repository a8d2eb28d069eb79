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
starts) is enqueued only if the last one this thread enqueued has started: while
it waits in the queue, it will take these items too. A busy web process then
writes one task for many tickets, and the worker runs one. Where tasks cannot
wait (the immediate backend of the tests), nothing joins, and each task takes its
own items only.

Nothing is lost if a follow-up fails or its process dies: the rows stay pending
(undispatched events, queued emails) and the periodic sweeps pick them up.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus

logger = logging.getLogger(__name__)

_collected = threading.local()
# Per thread: the last task of each draining kind this thread enqueued.
_last_enqueued = threading.local()
_draining: set[str] = set()
_in_worker: contextvars.ContextVar[bool] = contextvars.ContextVar("in_worker", default=False)


# Items whose callbacks never ran (their transaction rolled back) are forgotten
# after this long; no transaction holds its follow-ups for an hour.
FORGET_AFTER_SECONDS = 3600


@dataclass
class _Item:
    seq: int
    value: int
    # The connection's list of commit callbacks when the item was added: it stands
    # for the transaction (Django starts a new list for each one).
    transaction: object
    added: float


def _pending(key: str) -> list[_Item]:
    if not hasattr(_collected, "pending"):
        _collected.pending, _collected.counter = {}, itertools.count()
    return _collected.pending.setdefault(key, [])


def after_commit(task: Any, item: int) -> None:
    """Run `task` with this item (and the others of the transaction) after commit."""
    key = task.module_path
    connection = transaction.get_connection()
    current = connection.run_on_commit if connection.in_atomic_block else None
    pending = _pending(key)
    seq = next(_collected.counter)
    pending.append(_Item(seq, item, current, time.monotonic()))

    # One callback per item; the first of a transaction to run takes its own item
    # and every later one of the same transaction. Earlier ones of that transaction
    # still waiting were rolled back with a savepoint (their callbacks dropped).
    # Robust: the transaction is committed whatever happens here; if the queue is
    # unreachable, the error is logged (not shown to the user) and a sweep redoes it.
    def flush() -> None:  # a function, not a partial: Django logs its __qualname__
        _flush(task, key, seq, current)

    transaction.on_commit(flush, robust=True)


def _flush(task: Any, key: str, seq: int, current: object) -> None:
    pending = _pending(key)
    now = time.monotonic()
    items = [i.value for i in pending if i.transaction is current and i.seq >= seq]
    pending[:] = [
        i for i in pending if i.transaction is not current and now - i.added < FORGET_AFTER_SECONDS
    ]
    if not items:
        return
    items = list(dict.fromkeys(items))
    if not _in_worker.get():
        if key in _draining and task.get_backend().supports_get_result:
            since = timezone.now().isoformat()
            enqueue_unless_waiting(key, lambda: task.enqueue(items, waiting_since=since))
        else:
            task.enqueue(items)
        return
    try:
        task.call(items)
    except Exception:
        logger.exception("%s failed; the sweep will take it up again", key)


def worker_task(function: Callable) -> Callable:
    """Mark a task's body: what it sets off after commit runs in the same worker."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = _in_worker.set(True)
        try:
            return function(*args, **kwargs)
        finally:
            _in_worker.reset(token)

    return run


def drains_waiting(task: Any) -> Any:
    """Mark a task that, given `waiting_since`, also takes every item made since
    then and still waiting when it starts (see the module)."""
    _draining.add(task.module_path)
    return task


def enqueue_unless_waiting(key: str, enqueue: Callable[[], Any]) -> None:
    """Enqueue with `enqueue()`, unless the last task of this kind that this thread
    enqueued has not started yet: it will take what is waiting when it starts.

    Only for tasks that drain: the caller's items are committed before this runs,
    and a task still READY reads what is waiting after it starts.
    """
    waiting = getattr(_last_enqueued, key, None)
    if waiting is not None:
        try:
            if _not_started(waiting):
                return
        except Exception:  # the queue forgot it, or cannot say: enqueue another
            logger.debug("could not read the last %s task", key, exc_info=True)
    setattr(_last_enqueued, key, enqueue())


def _not_started(result: Any) -> bool:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(result.task.get_backend(), DatabaseBackend):
        result.refresh()
        return result.status == TaskResultStatus.READY
    # The database queue (the default), in one plain statement: this runs after each
    # ticket made, and reading the whole result through the ORM costs ten times more.
    meta, alias = DBTaskResult._meta, router.db_for_read(DBTaskResult)
    connection, quote = connections[alias], connections[alias].ops.quote_name
    status, pk = meta.get_field("status").column, meta.pk.column
    # Names from the model's metadata, quoted; the id is a parameter.
    sql = f"SELECT {quote(status)} FROM {quote(meta.db_table)} WHERE {quote(pk)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [meta.pk.get_db_prep_value(result.id, connection)],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == TaskResultStatus.READY
