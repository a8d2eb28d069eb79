from functools import lru_cache

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr, urlize
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecmp.core.templatetags.ecmp import link, when
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
def _badge(kind: str, value, language: str) -> SafeString:
    # Memoized per language: every row of every list shows two badges.
    styles, choices = (STATUS_STYLES, Status) if kind == "status" else (PRIORITY_STYLES, Priority)
    return format_html(
        '<span class="badge {}">{}</span>',
        styles.get(value, "text-bg-light"),
        _label(choices, value),
    )


@register.simple_tag
def status_badge(status: str) -> SafeString:
    return _badge("status", status, get_language())


@register.simple_tag
def priority_badge(priority: int) -> SafeString:
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


@register.simple_tag
def sla_badge(ticket) -> SafeString:
    """Time left before the next deadline, or how late it is."""
    from django.utils import timezone

    if ticket.sla_due_at is None:
        return mark_safe('<span class="text-body-secondary">—</span>')
    left = (ticket.sla_due_at - timezone.now()).total_seconds()
    what = _("first response") if ticket.first_response_at is None else _("resolution")
    if left < 0:
        return format_html(
            '<span class="badge text-bg-danger" title="{}">{}</span>',
            what,
            _("overdue by %(time)s") % {"time": _duration(left)},
        )
    style = "text-bg-warning" if left < 3600 else "text-bg-light border"
    return format_html(
        '<span class="badge {}" title="{}">{}</span>',
        style,
        what,
        _("%(time)s left") % {"time": _duration(left)},
    )


# --- The thread ---------------------------------------------------------------------
# A ticket's history is the longest list the product shows (every message, newest
# first). Its entries are written here rather than in a template loop: the same
# markup (tests/test_thread_markup.py keeps it identical to includes/thread.html's
# former loop) at a fraction of the cost, which is most of a long ticket's page.

_FILE = (
    '<li class="list-inline-item"><a href="{}"><i class="bi bi-paperclip" aria-hidden="true">'
    '</i> {}</a> <span class="text-body-secondary">({})</span></li>'
)


def _files(files, ticket_number: int, download: str) -> str:
    items = "".join(
        format_html(
            _FILE, link(download, ticket_number, f.pk), f.original_name, filesizeformat(f.size)
        )
        for f in files
    )
    return f'<ul class="list-inline small mt-2 mb-0">\n{items}\n</ul>'


def _text(value: str) -> str:
    return linebreaksbr(urlize(value, autoescape=True), autoescape=True)


@register.simple_tag
def thread_entries(thread, ticket, opening_files, download: str, marks=None) -> SafeString:
    """The entries of includes/thread.html, newest first. `marks`: markup to show
    beside an entry's author (the desk's verdict on a mailed message's sender), by
    message id, 0 for the ticket's opening text."""
    marks = marks or {}
    support, internal_label = _("Support"), _("Internal")
    entries = []
    for event in reversed(list(thread)):
        actor, message = event.actor, event.message
        if event.internal:
            css = "internal-entry bg-warning-subtle"
            badge = (
                '<i class="bi bi-lock-fill" aria-hidden="true"></i> '
                f'<span class="badge text-bg-warning">{escape(internal_label)}</span> '
            )
        else:
            css = "from-support bg-white" if actor and actor.is_support_staff else "bg-white"
            badge = ""
        name = (actor.full_name if actor else "") or support
        body = ""
        mark = marks.get(0 if event.kind == EventKind.CREATED else event.message_id, "")
        if event.kind == EventKind.CREATED:
            body = (
                f'\n      <div class="thread-body mt-2">{_text(ticket.description)}</div>\n      '
            )
            if opening_files:
                body += _files(opening_files, ticket.number, download)
        elif message:
            body = f'\n      <div class="thread-body mt-2">{_text(message.body)}</div>\n      '
            if message.files:
                body += _files(message.files, ticket.number, download)
        entries.append(
            f'\n  <li class="thread-entry {css} mb-2 p-3">\n    <div class="small">{badge}'
            f"<strong>{escape(name)}</strong> | {escape(event_summary(event))}\n      "
            f"{when(event.created_at, 'text-body-secondary ms-2')}{mark}</div>\n"
            f"    {body}\n  </li>\n"
        )
    return mark_safe("".join(entries))  # noqa: S308 - every value escaped above


@register.simple_tag
def queue_rows(tickets, now) -> SafeString:
    """The rows of the desk's queue (desk/queue.html), written here for the same
    reason as the thread; tests/test_queue_markup.py keeps the former loop's markup."""
    email = escape(_("Email"))
    rows = []
    for t in tickets:
        url = link("desk:ticket-detail", t.number)
        late = ' class="table-danger"' if t.sla_due_at and t.sla_due_at < now else " "
        channel = (
            f' <i class="bi bi-envelope text-body-secondary" title="{email}"></i>'
            if t.channel == "email"
            else ""
        )
        assignee = (t.assignee.full_name if t.assignee else "") or "—"
        rows.append(
            f"\n    <tr{late}>\n"
            f'      <td><a href="{url}">{t.number}</a>{channel}</td>\n'
            f'      <td class="subject"><a class="text-body" href="{url}">{escape(t.subject)}</a>'
            f'<div class="small text-body-secondary">{escape(t.requester.full_name)}</div></td>\n'
            f"      <td>{escape(t.organization.name)}</td>\n"
            f"      <td>{status_badge(t.status)}</td>\n"
            f"      <td>{priority_badge(t.priority)}</td>\n"
            f"      <td>{escape(assignee)}</td>\n"
            f"      <td>{sla_badge(t)}</td>\n"
            f"      <td>{when(t.last_activity_at)}</td>\n"
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
