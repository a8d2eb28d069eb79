"""Reads of webhooks: the admins' pages and the sweep."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from ecmp.accounts.models import User
from ecmp.core.access import require_admin
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list_for_admin(*, user: User) -> QuerySet[WebhookEndpoint]:
    """Every endpoint, with its counts of pending and failed deliveries (one query)."""
    require_admin(user)
    return WebhookEndpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
    ).order_by("pk")


def endpoint_get_for_admin(*, user: User, pk: int) -> WebhookEndpoint:
    require_admin(user)
    return WebhookEndpoint.objects.get(pk=pk)


def delivery_log_for_admin(*, user: User, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first (paged by the caller, in the database)."""
    require_admin(user)
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .defer("payload")
        .order_by("-created_at", "-id")
    )


def delivery_get_for_admin(*, user: User, endpoint: WebhookEndpoint, pk: int) -> WebhookDelivery:
    require_admin(user)
    return WebhookDelivery.objects.select_related("endpoint").get(endpoint=endpoint, pk=pk)


def deliveries_due_ids(*, now: datetime, limit: int) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
