"""Work that follows a ticket's events, in the worker."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tasks import task

from ecmp.core.followups import drains_waiting, worker_task
from ecmp.tickets.models import TicketEvent
from ecmp.tickets.selectors import SupportTeams
from ecmp.tickets.subscribers import event_subscribers

logger = logging.getLogger(__name__)


# Events dispatched in one transaction (each in its own savepoint); after this many
# batches of waiting events, a task hands the rest to a new one.
BATCH = 10
BATCHES_PER_TASK = 20
# Enqueued with `waiting_since` (when), a task also takes the events made since then
# and still waiting: a process that makes events enqueues no new task while its last
# one waits (`drains_waiting`), so those events are this task's, however long it
# waited. It takes them in order of (created_at, pk), each once, and hands the rest
# on with where it stopped (`after`): an event that keeps failing is tried once per
# chain, never in a loop, and never keeps the others waiting (the sweep retries it).
# A margin for the clocks of different machines.
WAITING_MARGIN = timedelta(minutes=1)


@drains_waiting
@task()
@worker_task
def event_dispatch(
    event_ids: list[int] | int, waiting_since: str = "", after: list[str | int] | None = None
) -> int:
    """Turn events into notifications and emails: each once, each all or nothing.

    These events; given `waiting_since` (an ISO time), then every event made since
    then still waiting, oldest first (after `after`: [ISO time, pk], if given).
    """
    ids = [event_ids] if isinstance(event_ids, int) else list(event_ids)
    made = 0
    for start in range(0, len(ids), BATCH):
        made += _dispatch_batch(ids[start : start + BATCH])
    since = parse_datetime(waiting_since) if waiting_since else None
    if since is None:
        return made
    waiting = TicketEvent.objects.filter(
        dispatched_at__isnull=True, created_at__gte=since - WAITING_MARGIN
    ).order_by("created_at", "pk")
    position: tuple[datetime, int] | None = None
    moment = parse_datetime(str(after[0])) if after else None
    if after and moment is not None:
        position = (moment, int(after[1]))
    for _round in range(BATCHES_PER_TASK):
        rows = waiting.exclude(pk__in=ids)
        if position is not None:
            rows = rows.filter(
                Q(created_at__gt=position[0]) | Q(created_at=position[0], pk__gt=position[1])
            )
        batch = list(rows.values_list("created_at", "pk")[:BATCH])
        if not batch:
            return made
        position = batch[-1]
        made += _dispatch_batch([pk for _created, pk in batch])
    assert position is not None  # set by the rounds above, or the task returned
    event_dispatch.enqueue(  # the rest, in a new task
        [], waiting_since=waiting_since, after=[position[0].isoformat(), position[1]]
    )
    return made


def _dispatch_batch(event_ids: list[int]) -> int:
    subscribers = event_subscribers()
    made, dispatched = 0, []
    with transaction.atomic():
        events = list(
            TicketEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "ticket",
                "ticket__requester",
                "ticket__organization",
                "actor",
                "message",
                "message__author",  # named in the agents' notice of a reply
            )
            .defer("ticket__search_document")
            .filter(pk__in=event_ids, dispatched_at__isnull=True)
            .order_by("pk")
        )  # the others: already dispatched, or being dispatched by another worker
        tickets = [event.ticket for event in events]
        teams = SupportTeams(tickets)
        preloaded = [subscriber.preload(tickets) for subscriber in subscribers]
        for event in events:
            try:
                with transaction.atomic():
                    made += sum(
                        subscriber.handle(event, teams, data)
                        for subscriber, data in zip(subscribers, preloaded, strict=True)
                    )
            except Exception:
                # Left undispatched: the sweep tries it again (after the others), and
                # the others of the batch go on.
                logger.exception("dispatching event %s failed", event.pk)
                TicketEvent.objects.filter(pk=event.pk).update(
                    dispatch_failures=F("dispatch_failures") + 1
                )
                continue
            dispatched.append(event.pk)
        TicketEvent.objects.filter(pk__in=dispatched).update(dispatched_at=timezone.now())
    return made


@task()
def event_dispatch_sweep() -> int:
    """Dispatch the events whose dispatch was lost (a worker killed, a failed task).

    The ones that failed least first: events whose dispatch keeps failing (a broken
    template) are retried, but never hold back the others."""
    stale = timezone.now() - timedelta(minutes=2)
    pending = list(
        TicketEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=stale)
        .order_by("dispatch_failures", "created_at")
        .values_list("pk", flat=True)[:500]
    )
    event_dispatch.call(pending)
    return len(pending)
