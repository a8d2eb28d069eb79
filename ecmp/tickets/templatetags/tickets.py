from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecmp.tickets.models import EventKind, TicketEvent
from ecmp.tickets.status import Priority, Status

register = template.Library()

STATUS_STYLES = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.WAIT: "text-bg-warning",
    Status.CLOSED: "text-bg-secondary",
}
PRIORITY_STYLES = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-light border",
    Priority.HIGH: "text-bg-warning",
    Priority.URGENT: "text-bg-danger",
}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return str(value)


@lru_cache(maxsize=256)
def _badge(kind: str, value, language: str) -> dict:
    # Memoized per language: every row of every list shows two badges.
    styles, choices = (STATUS_STYLES, Status) if kind == "status" else (PRIORITY_STYLES, Priority)
    return {"style": styles.get(value, "text-bg-light"), "label": str(_label(choices, value))}


@register.inclusion_tag("includes/badge.html")
def status_badge(status: str) -> dict:
    return _badge("status", status, get_language())


@register.inclusion_tag("includes/badge.html")
def priority_badge(priority: int) -> dict:
    return _badge("priority", priority, get_language())


@register.filter
def event_summary(event: TicketEvent) -> str:
    """What happened, in words: "Ticket created", "Status changed from New to Open"…"""
    if event.kind in (EventKind.STATUS, EventKind.REOPENED):
        words = {
            "from": _label(Status, event.from_value),
            "to": _label(Status, event.to_value),
        }
        if event.kind == EventKind.REOPENED:
            return _("Reopened (%(from)s → %(to)s)") % words
        return _("Status changed from %(from)s to %(to)s") % words
    if event.kind == EventKind.PRIORITY:
        return _("Priority changed from %(from)s to %(to)s") % {
            "from": _label(Priority, int(event.from_value or 0)),
            "to": _label(Priority, int(event.to_value or 0)),
        }
    return _label(EventKind, event.kind)


def _duration(delta_seconds: float) -> str:
    minutes = int(abs(delta_seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.inclusion_tag("includes/sla_badge.html")
def sla_badge(ticket) -> dict:
    """Time left before the next deadline, or how late it is (includes/sla_badge.html)."""
    if ticket.sla_due_at is None:
        return {"due": False}
    left = (ticket.sla_due_at - timezone.now()).total_seconds()
    what = _("first response") if ticket.first_response_at is None else _("resolution")
    if left < 0:
        text = _("overdue by %(time)s") % {"time": _duration(left)}
        return {"due": True, "style": "text-bg-danger", "what": what, "text": text}
    style = "text-bg-warning" if left < 3600 else "text-bg-light border"
    text = _("%(time)s left") % {"time": _duration(left)}
    return {"due": True, "style": style, "what": what, "text": text}


@register.filter
def sender_mark(marks: dict, event: TicketEvent) -> str:
    """The desk's verdict on who mailed an entry, rendered beforehand by the view
    (desk/_sender_mark.html), by message id: 0 for the ticket's opening text."""
    return marks.get(0 if event.kind == EventKind.CREATED else event.message_id, "")
