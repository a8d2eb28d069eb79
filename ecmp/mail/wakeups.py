"""How the mail modules below `tasks.py` set the worker off after commit.

`tasks.py` is the top of the mail app: its tasks run the services, the inbound
pipeline and the IMAP poll. What those write must then be taken up by a task (a
queued email sent, a stored message processed), yet they cannot import the tasks
that import them. So MailConfig.ready() hands the two task objects over here, once
(the way lower apps receive their hooks), and these helpers are the only place
below `tasks.py` that enqueues them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_tasks import TaskResult
from django_tasks.base import Task

from ecmp.core.followups import after_commit, enqueue_unless_waiting

# Mail becomes tickets first, then their notices go out: during a burst the worker
# turns every waiting message into a ticket or a reply (each then safe and in the
# agents' queue) before it dispatches what they set off. Where the queue has no
# priorities (Redis), run the workers with the mail queue first.
INBOUND_PRIORITY = 10


@dataclass(frozen=True)
class MailTasks:
    """The tasks that take up what the mail app writes (see `tasks.py`)."""

    outbox_send: Task[..., dict[str, int]]
    inbound_process: Task[..., dict[str, int]]


_installed: list[MailTasks] = []


def mail_tasks_install(tasks: MailTasks) -> None:
    """Called by MailConfig.ready(); a second call replaces the first."""
    _installed[:] = [tasks]


def _tasks() -> MailTasks:
    if not _installed:
        raise ImproperlyConfigured("No mail tasks: is ecmp.mail in INSTALLED_APPS?")
    return _installed[0]


def outbox_send_after_commit(email_id: int) -> None:
    """Send this email after commit, with the others written in the same transaction."""
    after_commit(_tasks().outbox_send, email_id)


def outbox_send_now_after_commit(email_id: int) -> None:
    """Send this email, due at once, in a task of its own after commit (an admin's retry)."""
    send = _tasks().outbox_send
    transaction.on_commit(lambda: send.enqueue([email_id], due_only=True))


def inbound_enqueue(inbound_ids: list[int]) -> TaskResult[dict[str, int]]:
    """Enqueue the processing of these messages (and of every other one waiting),
    ahead of other work where the queue allows it."""
    process = _tasks().inbound_process
    if process.get_backend().supports_priority:
        process = process.using(priority=INBOUND_PRIORITY)
    return process.enqueue(inbound_ids)


def inbound_wake(inbound_id: int) -> None:
    """A task for this stored message, unless the last one enqueued here waits: it
    takes every message stored before it starts, so storing more needs no new task."""
    key = _tasks().inbound_process.module_path
    enqueue_unless_waiting(key, lambda: inbound_enqueue([inbound_id]))
