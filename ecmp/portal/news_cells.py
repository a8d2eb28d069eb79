"""The customer's notifications and latest activity as their lists show them: each
row's plain values (links, words, dates) computed once, the language, time zone and
script prefix read once per list (portal/_notification_items.html and
portal/dashboard.html write them; no markup here)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecmp.core.presentation import instant_in, link_in, short
from ecmp.notifications.list_reads import NotificationRow
from ecmp.tickets.dashboard_reads import RecentEvent
from ecmp.tickets.presentation import event_summary


class NotificationItem(NamedTuple):
    """A notification's line: "number — subject", who and what, when; its forms' links."""

    unread: bool
    open_url: str
    viewed_url: str
    number: int
    subject: str  # truncated to 60 characters
    author: str
    summary: str
    machine: str  # the <time>'s datetime attribute
    person: str  # its text


class EventItem(NamedTuple):
    """An event of the latest activity: its ticket's link, who and what, when."""

    url: str
    number: int
    subject: str  # truncated to 50 characters
    author: str
    summary: str
    when: str  # the short local date and time


def notification_items(rows: Iterable[NotificationRow]) -> list[NotificationItem]:
    language, zone = get_language(), timezone.get_current_timezone_name()
    prefix, urlconf = get_script_prefix(), get_urlconf()
    support = _("Support")
    items = []
    for row in rows:
        args = (row.id,)
        machine, person = instant_in(row.created_at, language, zone)
        items.append(
            NotificationItem(
                row.read_at is None,
                link_in("portal:notification-open", args, prefix, urlconf),
                link_in("portal:notification-mark-viewed", args, prefix, urlconf),
                row.number,
                short(row.subject, 60),
                row.actor_name or support,
                event_summary(row, language),  # type: ignore[arg-type]  # kind, from, to
                machine,
                person,
            )
        )
    return items


def event_items(rows: Iterable[RecentEvent]) -> list[EventItem]:
    language, zone = get_language(), timezone.get_current_timezone_name()
    prefix, urlconf = get_script_prefix(), get_urlconf()
    support = _("Support")
    return [
        EventItem(
            link_in("portal:ticket-detail", (row.number,), prefix, urlconf),
            row.number,
            short(row.subject, 50),
            row.actor_name or support,
            event_summary(row, language),  # type: ignore[arg-type]  # kind, from, to
            instant_in(row.created_at, language, zone)[1],
        )
        for row in rows
    ]
