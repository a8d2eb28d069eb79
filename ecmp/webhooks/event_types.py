"""The events a webhook endpoint can subscribe to (its `events`), by name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TICKET_CREATED = "ticket.created"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_PRIORITY_CHANGED = "ticket.priority_changed"
MESSAGE_CREATED = "message.created"
NOTE_CREATED = "note.created"
TIME_ENTRY_CREATED = "time_entry.created"
INVOICE_ISSUED = "invoice.issued"
INVOICE_SENT = "invoice.sent"
INVOICE_PAID = "invoice.paid"

EVENT_TYPES = [
    (TICKET_CREATED, _("Ticket created")),
    (TICKET_STATUS_CHANGED, _("Ticket status changed")),
    (TICKET_ASSIGNED, _("Ticket assigned")),
    (TICKET_PRIORITY_CHANGED, _("Ticket priority changed")),
    (MESSAGE_CREATED, _("Public message")),
    (NOTE_CREATED, _("Internal note (internal endpoints only)")),
    (TIME_ENTRY_CREATED, _("Time logged")),
    (INVOICE_ISSUED, _("Invoice issued")),
    (INVOICE_SENT, _("Invoice sent")),
    (INVOICE_PAID, _("Invoice paid")),
]
EVENT_NAMES = frozenset(name for name, _label in EVENT_TYPES)
# Only endpoints marked internal receive these (they carry internal notes).
INTERNAL_ONLY = frozenset({NOTE_CREATED})
