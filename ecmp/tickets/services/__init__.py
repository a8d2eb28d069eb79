"""Every change of a ticket goes through here: the portal, the desk, inbound mail.

Each service locks the ticket row, checks who may do what and the transition
table, writes the change and its TicketEvent in one transaction. What follows
from an event (notifications, emails) runs after commit.
"""

from ecmp.tickets.services.common import SUBJECT_MAX, effective_priority, lock_number
from ecmp.tickets.services.conversation import ticket_reply
from ecmp.tickets.services.create import ticket_create
from ecmp.tickets.services.housekeeping import tickets_archive_closed, tickets_check_sla
from ecmp.tickets.services.workflow import (
    ticket_accept,
    ticket_assign,
    ticket_set_priority,
    ticket_transition,
    ticket_unarchive,
)

__all__ = [
    "SUBJECT_MAX",
    "effective_priority",
    "lock_number",
    "ticket_accept",
    "ticket_assign",
    "ticket_create",
    "ticket_reply",
    "ticket_set_priority",
    "ticket_transition",
    "ticket_unarchive",
    "tickets_archive_closed",
    "tickets_check_sla",
]
