"""Work that follows a transaction, handed to the worker once per transaction.

An email that opens a ticket makes a ticket, an event and an email for each agent:
one task each would spend more time in the queue than in the work. So each kind of
follow-up collects its ids during the transaction and is enqueued once after
commit, with all of them. And when the transaction already runs in the worker (an
inbound message being processed, an event being dispatched), its follow-ups run
right there after commit: the worker is where they would go anyway.

Nothing is lost if a follow-up fails or its process dies: the rows stay pending
(undispatched events, queued emails) and the periodic sweeps pick them up.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import threading
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_collected = threading.local()
_in_worker: contextvars.ContextVar[bool] = contextvars.ContextVar("in_worker", default=False)


def _pending(key: str) -> list[tuple[int, int]]:
    if not hasattr(_collected, "pending"):
        _collected.pending, _collected.counter = {}, itertools.count()
    return _collected.pending.setdefault(key, [])


def after_commit(task: Any, item: int) -> None:
    """Run `task` with this item (and the others of the transaction) after commit."""
    key = task.module_path
    pending = _pending(key)
    seq = next(_collected.counter)
    pending.append((seq, item))
    # One callback per item; the first to run takes its own item and every later
    # one (the rest of its transaction). Older items still waiting belong to a
    # transaction that rolled back (its callbacks were dropped): they are discarded.
    transaction.on_commit(partial(_flush, task, key, seq))


def _flush(task: Any, key: str, seq: int) -> None:
    pending = _pending(key)
    items = [item for number, item in pending if number >= seq]
    pending.clear()
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
