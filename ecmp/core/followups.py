"""Work that follows a transaction, handed to the worker once per transaction.

An email that opens a ticket makes a ticket, an event and an email for each agent:
one task each would spend more time in the queue than in the work. So each kind of
follow-up collects its ids during the transaction and is enqueued once after
commit, with all of them. And when the transaction already runs in a task marked
`worker_task` (an event being dispatched), its follow-ups (the emails) run right
there after commit: the worker is where they would go anyway. Inbound mail is not
marked: a burst is processed batch after batch while another worker, or the same
one afterwards, dispatches what each batch made.

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

from django.db import transaction

logger = logging.getLogger(__name__)

_collected = threading.local()
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
