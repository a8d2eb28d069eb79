"""Every write of webhooks: the admins' endpoints, and the deliveries' lifecycle.

A delivery is claimed by one worker at a time (a row lock, then a lease in
`next_attempt_at`), like the mail outbox: the periodic sweep gives back a delivery
whose worker died and sends the ones that are due.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Role, User
from ecmp.core.access import require_admin
from ecmp.core.links import absolute_url
from ecmp.mail.outbound import queue_email
from ecmp.webhooks.event_types import EVENT_NAMES
from ecmp.webhooks.guard import GuardRefusal, target_resolve
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from ecmp.webhooks.sender import Outcome

logger = logging.getLogger(__name__)

# Retries after a failed attempt (Standard Webhooks' usual schedule), the last one
# repeated; never later than RETRY_FOR after the first attempt, then failed.
BACKOFF = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
]
RETRY_FOR = timedelta(hours=24)
# An endpoint failing for this long without one success is disabled, whatever the count.
FAILING_FOR = timedelta(hours=24)
# ECMP_WEBHOOK_DISABLE_AFTER failed attempts in a row disable it only once it has also
# failed for this long: a burst of events during a receiver's short restart fails
# many attempts within seconds, and must not cut the endpoint off.
FAILING_AT_LEAST = timedelta(hours=1)
# How long a worker holds a claimed delivery: one request (ECMP_WEBHOOK_TIMEOUT).
LEASE = timedelta(minutes=2)
DUE_BATCH = 500


def secret_generate() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check(url: str, events: list[str]) -> str:
    url = url.strip()
    try:
        target_resolve(url)
    except GuardRefusal as refusal:
        raise ValidationError(str(refusal), code="url") from refusal
    if not events or not set(events) <= EVENT_NAMES:
        raise ValidationError(_("Choose at least one event."), code="events")
    return url


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "internal": endpoint.internal,
        "active": endpoint.active,
    }


def _audit(
    by: User, endpoint: WebhookEndpoint, detail: str, before: dict[str, Any] | None = None
) -> None:
    after = _snapshot(endpoint)
    changes = (
        {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
        if before is not None
        else None
    )
    audit_record(
        AuditEvent.Kind.WEBHOOK_CHANGED,
        actor=by,
        target=endpoint,
        changes=changes or None,
        detail=f"{endpoint.url}: {detail}",
    )


@transaction.atomic
def endpoint_create(
    *,
    by: User,
    url: str,
    events: list[str],
    description: str = "",
    internal: bool = False,
    active: bool = True,
) -> WebhookEndpoint:
    require_admin(by)
    url = _check(url, events)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        description=description.strip()[:200],
        events=sorted(set(events)),
        internal=internal,
        active=active,
        secret=secret_generate(),
        created_by=by,
    )
    _audit(by, endpoint, "created")
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    by: User,
    endpoint: WebhookEndpoint,
    url: str,
    events: list[str],
    description: str = "",
    internal: bool = False,
    active: bool = True,
) -> WebhookEndpoint:
    require_admin(by)
    url = _check(url, events)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = _snapshot(locked)
    locked.url, locked.description = url, description.strip()[:200]
    locked.events, locked.internal = sorted(set(events)), internal
    if active and not locked.active:  # switched on again: a fresh start
        locked.consecutive_failures, locked.failing_since, locked.disabled_at = 0, None, None
    locked.active = active
    locked.save()
    _audit(by, locked, "changed", before)
    return locked


@transaction.atomic
def endpoint_secret_rotate(*, by: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret, at once: the receiver must be given it (deliveries already sent
    were signed with the old one; the next ones, retries included, with the new)."""
    require_admin(by)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    locked.secret = secret_generate()
    locked.save(update_fields=["secret"])
    _audit(by, locked, "secret rotated")
    return locked


@transaction.atomic
def endpoint_enable(*, by: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Switch a disabled endpoint on again: its pending deliveries go out at once."""
    require_admin(by)
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if locked.active:
        raise ValidationError(_("This endpoint is already active."), code="active")
    before = _snapshot(locked)
    locked.active, locked.disabled_at = True, None
    locked.consecutive_failures, locked.failing_since = 0, None
    locked.save()
    waiting = list(
        WebhookDelivery.objects.filter(
            endpoint=locked, status=WebhookDelivery.Status.PENDING
        ).values_list("pk", flat=True)[:DUE_BATCH]
    )
    WebhookDelivery.objects.filter(pk__in=waiting).update(next_attempt_at=timezone.now())
    _audit(by, locked, "enabled", before)
    _deliver_after_commit(waiting)
    return locked


@transaction.atomic
def delivery_redeliver(*, by: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again by hand: a new attempt of the same message (same
    webhook-id, so a receiver that has it already can tell), with a new day of retries."""
    require_admin(by)
    locked = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    )
    if locked.status == WebhookDelivery.Status.DELIVERING:
        raise ValidationError(_("This delivery is being sent right now."), code="delivering")
    if not locked.endpoint.active:
        raise ValidationError(
            _("This endpoint is disabled: enable it first."), code="endpoint_disabled"
        )
    now = timezone.now()
    locked.status, locked.next_attempt_at, locked.first_attempt_at = (
        WebhookDelivery.Status.PENDING,
        now,
        None,
    )
    locked.save(update_fields=["status", "next_attempt_at", "first_attempt_at"])
    _audit(by, locked.endpoint, f"redelivery of {locked.msg_id} ({locked.event_type})")
    _deliver_after_commit([locked.pk])
    return locked


# --- Deliveries (the worker) ------------------------------------------------------


def endpoints_listening() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(active=True).order_by("pk"))


def deliveries_create(
    *, endpoints: list[WebhookEndpoint], event_type: str, payload: dict[str, Any]
) -> int:
    """One delivery per endpoint, sent by a task after commit; returns how many."""
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_type=event_type,
            msg_id=f"msg_{uuid.uuid4().hex}",
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    ids = [row.pk for row in rows if row.pk is not None]
    if len(ids) < len(rows):  # a database that does not return ids: the sweep sends them
        return len(rows)
    _deliver_after_commit(ids)
    return len(rows)


def _deliver_after_commit(ids: list[int]) -> None:
    if not ids:
        return
    # The task module imports this one: it is looked up when needed.
    from ecmp.webhooks.tasks import webhook_deliver

    def enqueue() -> None:
        try:
            webhook_deliver.enqueue(ids)
        except Exception:  # the queue is down: the sweep sends them
            logger.exception("enqueueing webhook deliveries %s failed", ids)

    transaction.on_commit(enqueue)


def delivery_claim(*, delivery_id: int, due_only: bool) -> WebhookDelivery | None:
    """Take this delivery for this worker if it is pending (and due, with `due_only`),
    its endpoint active, and no other worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        rows = WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, endpoint__active=True
        )
        if due_only:
            rows = rows.filter(next_attempt_at__lte=now)
        delivery = rows.select_related("endpoint").first()
        if delivery is None:
            return None
        delivery.status = WebhookDelivery.Status.DELIVERING
        delivery.next_attempt_at = now + LEASE
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = now
        delivery.save(update_fields=["status", "next_attempt_at", "first_attempt_at"])
    return delivery


def _mine(delivery: WebhookDelivery) -> Any:
    return WebhookDelivery.objects.filter(
        pk=delivery.pk,
        status=WebhookDelivery.Status.DELIVERING,
        next_attempt_at=delivery.next_attempt_at,
    )


def _outcome_fields(outcome: Outcome) -> dict[str, Any]:
    return {
        "response_status": outcome.status,
        "response_ms": outcome.ms,
        "response_excerpt": outcome.excerpt,
        "error": outcome.error[:500],
    }


@transaction.atomic
def delivery_attempt_record(*, delivery: WebhookDelivery, outcome: Outcome) -> str:
    """Record an attempt: delivered, pending again after a back-off, or failed once a
    day has passed since the first attempt. Returns the delivery's new status."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    endpoint_rows = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if outcome.ok:
        _mine(delivery).update(
            status=WebhookDelivery.Status.DELIVERED,
            attempts=attempts,
            delivered_at=now,
            **_outcome_fields(outcome),
        )
        endpoint_rows.update(consecutive_failures=0, failing_since=None)
        return WebhookDelivery.Status.DELIVERED
    deadline = (delivery.first_attempt_at or now) + RETRY_FOR
    if now >= deadline:
        status, next_at = WebhookDelivery.Status.FAILED, now
    else:
        delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
        status, next_at = WebhookDelivery.Status.PENDING, min(now + delay, deadline)
    _mine(delivery).update(
        status=status, attempts=attempts, next_attempt_at=next_at, **_outcome_fields(outcome)
    )
    _endpoint_failed(delivery.endpoint_id, now)
    return status


def _endpoint_failed(endpoint_id: int, now: datetime) -> None:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.consecutive_failures = F("consecutive_failures") + 1
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    endpoint.refresh_from_db(fields=["consecutive_failures"])
    failing_for = now - endpoint.failing_since
    too_many = (
        endpoint.consecutive_failures >= settings.ECMP_WEBHOOK_DISABLE_AFTER
        and failing_for >= FAILING_AT_LEAST
    )
    too_long = failing_for >= FAILING_FOR
    if endpoint.active and (too_many or too_long):
        endpoint.active, endpoint.disabled_at = False, now
        endpoint.save(update_fields=["active", "disabled_at"])
        audit_record(
            AuditEvent.Kind.WEBHOOK_CHANGED,
            target=endpoint,
            changes={"active": [True, False]},
            detail=f"{endpoint.url}: disabled after {endpoint.consecutive_failures} failures",
            actor_label="webhooks",
        )
        _admins_warn(endpoint)


def _admins_warn(endpoint: WebhookEndpoint) -> None:
    link = absolute_url(reverse("desk:webhook-detail", args=[endpoint.pk]))
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")
    for admin in admins:
        queue_email(
            kind="webhook_disabled",
            to=admin.email,
            template="webhook_disabled",
            language=admin.language,
            context={"endpoint": endpoint, "link": link},
        )


@transaction.atomic
def deliveries_reclaim_abandoned(*, now: datetime) -> int:
    """Deliveries whose worker died (lease over) are pending again, due at once."""
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.DELIVERING, next_attempt_at__lt=now
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)


# Finished deliveries are kept this long in the log (their payloads name people).
KEEP_LOG = timedelta(days=30)
EXPIRY_BATCH = 1000


def deliveries_expire(*, now: datetime) -> int:
    """Delete finished deliveries older than KEEP_LOG, a batch at a time (short
    transactions); returns how many."""
    done = (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED)
    ids = list(
        WebhookDelivery.objects.filter(status__in=done, created_at__lt=now - KEEP_LOG)
        .order_by("pk")
        .values_list("pk", flat=True)[:EXPIRY_BATCH]
    )
    if not ids:
        return 0
    deleted, _detail = WebhookDelivery.objects.filter(pk__in=ids).delete()
    return deleted


def webhook_deliveries_forget(*, email: str) -> int:
    """Drop the deliveries whose payload names this address (privacy/erasure.py: an
    erased person's name and email must not wait in the log for its 30-day expiry).
    A delivery being sent right now is left to finish; the next expiry takes it."""
    email = email.strip()
    if not email:
        return 0
    # The address as a whole JSON string, quotes included: erasing bo@x.test must not
    # drop the deliveries naming jimbo@x.test. (SQLite keeps the JSON as written, with
    # \u escapes; PostgreSQL writes jsonb's text with the characters themselves.)
    quoted = Q(payload_text__icontains=json.dumps(email))
    quoted |= Q(payload_text__icontains=json.dumps(email, ensure_ascii=False))
    deleted, _counts = (
        WebhookDelivery.objects.annotate(payload_text=Cast("payload", TextField()))
        .filter(quoted)
        .exclude(status=WebhookDelivery.Status.DELIVERING)
        .delete()
    )
    return deleted
