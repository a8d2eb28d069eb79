"""The life of a ticket: statuses, priorities and the transition table (pure, no database)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The priority scale is the service levels' (sla sits below tickets); offered here too.
from ecmp.sla.priorities import Priority as Priority


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAIT = "wait", _("Wait")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    """How a request came in: the portal, an email, or an agent who took it down."""

    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    ON_SITE = "on_site", _("On-site")
    CHAT = "chat", _("Chat")


# Not resolved yet: the customer's "Open Tickets".
# A tuple in a fixed order: SQLite uses a partial index (ticket_unresolved_*) only
# when the query's IN list is written exactly as the index's condition.
UNRESOLVED = (Status.NEW, Status.OPEN, Status.WAIT)

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAIT, Status.CLOSED}),
    Status.OPEN: frozenset({Status.WAIT, Status.CLOSED}),
    Status.WAIT: frozenset({Status.OPEN, Status.CLOSED}),
    # Only by reopening: writing on a closed ticket, or an agent's Reopen.
    Status.CLOSED: frozenset({Status.OPEN}),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
