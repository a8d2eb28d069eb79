"""Webhook work in the worker: sending deliveries, and the sweep of what is due."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from ecmp.core.ids import possible_ids
from ecmp.webhooks import selectors, services
from ecmp.webhooks.sender import webhook_post


@task()
def webhook_deliver(delivery_ids: list[int] | int, due_only: bool = False) -> dict[str, int]:
    """Send these deliveries, one after the other. Each is claimed just before its
    request (another worker may hold it: skipped) and its outcome written at once."""
    ids = possible_ids(
        [delivery_ids] if isinstance(delivery_ids, int) else delivery_ids, task="webhook_deliver"
    )
    outcomes: dict[str, int] = {}
    for delivery_id in ids:
        delivery = services.delivery_claim(delivery_id=delivery_id, due_only=due_only)
        if delivery is None:
            outcome = "skipped"
        else:
            endpoint = delivery.endpoint
            result = webhook_post(
                url=endpoint.url,
                secret=endpoint.secret,
                msg_id=delivery.msg_id,
                payload=delivery.payload,
            )
            outcome = services.delivery_attempt_record(delivery=delivery, outcome=result)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@task()
def webhook_sweep() -> int:
    """Every minute: give back what a dead worker held, and send what is due."""
    now = timezone.now()
    services.deliveries_reclaim_abandoned(now=now)
    due = selectors.deliveries_due_ids(now=now, limit=services.DUE_BATCH)
    if due:
        webhook_deliver.enqueue(due, due_only=True)
    return len(due)


@task()
def webhook_log_expire() -> int:
    """Every hour: the log keeps finished deliveries for services.KEEP_LOG."""
    now, total = timezone.now(), 0
    for _round in range(50):
        deleted = services.deliveries_expire(now=now)
        total += deleted
        if deleted < services.EXPIRY_BATCH:
            break
    return total
