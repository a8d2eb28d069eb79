"""Reads of invoices by their payment state (issue 19 §5). Overdue is not stored: an
unpaid invoice past its due date (Invoice.is_overdue), asked of the database here."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from ecmp.billing.models import Invoice

UNPAID = "unpaid"
OVERDUE = "overdue"
FILTERS = (UNPAID, OVERDUE)


def unpaid_q() -> Q:
    return Q(kind=Invoice.Kind.INVOICE, status__in=Invoice.UNPAID)


def overdue_q(today: date) -> Q:
    return unpaid_q() & Q(due_date__lt=today)


def invoices_in_state(invoices: QuerySet[Invoice], state: str, today: date) -> QuerySet[Invoice]:
    """Narrow a list already limited to what its reader may see."""
    if state == UNPAID:
        return invoices.filter(unpaid_q())
    if state == OVERDUE:
        return invoices.filter(overdue_q(today))
    return invoices
