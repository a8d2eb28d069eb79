from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
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


def _badge(styles: dict, choices, value) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>',
        styles.get(value, "text-bg-light"),
        _label(choices, value),
    )


@register.simple_tag
def status_badge(status: str) -> SafeString:
    return _badge(STATUS_STYLES, Status, status)


@register.simple_tag
def priority_badge(priority: int) -> SafeString:
    return _badge(PRIORITY_STYLES, Priority, priority)


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
