"""Billing's events for the apps above it (webhooks): time logged, invoices issued,
sent and paid.

Billing sits below those apps and never imports them (docs/architecture.md,
"Layers"): they subscribe here from their AppConfig.ready(). A subscriber is called
after the caller's transaction commits, never inside it, and one that fails is
logged: an event never undoes or fails the billing action that made it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from ecmp.billing.models import Invoice, TimeEntry

logger = logging.getLogger(__name__)

BillingCallback = Callable[[str, dict[str, Any]], None]

# By name, so that a second ready() replaces rather than doubles.
_subscribers: dict[str, BillingCallback] = {}


def billing_event_subscribe(name: str, callback: BillingCallback) -> None:
    _subscribers[name] = callback


def billing_event_emit(event_type: str, payload: dict[str, Any]) -> None:
    """Hand `payload` (JSON values) to every subscriber once the transaction commits."""
    for name, callback in list(_subscribers.items()):

        def call(name: str = name, callback: BillingCallback = callback) -> None:
            try:
                callback(event_type, payload)
            except Exception:
                logger.exception("billing event %s: subscriber %s failed", event_type, name)

        transaction.on_commit(call)


def time_entry_payload(entry: TimeEntry) -> dict[str, Any]:
    """What a subscriber learns of a time entry, in JSON values."""
    return {
        "id": entry.pk,
        "ticket": entry.ticket.number,
        "agent": {"name": entry.agent.full_name, "email": entry.agent.email},
        "date": entry.date.isoformat(),
        "minutes": entry.minutes,
        "activity": entry.activity_type.name,
        "description": entry.description,
        "billable": entry.billable,
    }


def invoice_payload(invoice: Invoice) -> dict[str, Any]:
    """What a subscriber learns of an invoice, in JSON values: amounts as
    decimal strings, never floats."""
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "status": invoice.status,
        "organization": invoice.client_name or invoice.organization.name,
        "currency": invoice.currency,
        "total_net": str(invoice.total_net),
        "total_vat": str(invoice.total_vat),
        "total_gross": str(invoice.total_gross),
        "amount_paid": str(invoice.amount_paid),
        "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "payment_reference": invoice.payment_reference,
    }
