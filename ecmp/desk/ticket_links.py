"""The desk ticket page's links to its own actions, reversed once per ticket.

The page writes some fifteen of them on every view; through `link` each cost a call
from the template and a reverse, for the same text as the view before. Here they are
reversed together and kept per (number, prefix, URL configuration): a pure function
of the three.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from django.urls import get_script_prefix, get_urlconf

from ecmp.core.presentation import link_in


class TicketLinks(NamedTuple):
    """desk/ticket_detail.html's links that name the ticket alone (attributes:
    Jinja2's fastest lookup)."""

    reply: str
    canned_picker: str
    canned_replies: str
    assign: str
    priority: str
    category: str
    close: str
    follower_add: str
    time_add: str
    # The status buttons (desk:ticket-action).
    accept: str
    start: str
    open: str
    reopen: str
    unarchive: str
    ask: str
    stop_waiting: str


_ACTIONS = ("accept", "start", "open", "reopen", "unarchive", "ask", "stop-waiting")


@lru_cache(maxsize=1024)
def _links(number: int, prefix: str, urlconf: str | None) -> TicketLinks:
    def at(view: str, *args: object) -> str:
        return link_in(view, args, prefix, urlconf)

    n = (number,)
    actions = {name.replace("-", "_"): at("desk:ticket-action", number, name) for name in _ACTIONS}
    return TicketLinks(
        reply=at("desk:ticket-reply", *n),
        canned_picker=at("desk:canned-picker", *n),
        canned_replies=at("desk:canned-replies"),
        assign=at("desk:ticket-assign", *n),
        priority=at("desk:ticket-priority", *n),
        category=at("desk:ticket-category", *n),
        close=at("desk:ticket-close", *n),
        follower_add=at("desk:follower-add", *n),
        time_add=at("desk:time-add", *n),
        **actions,
    )


def ticket_links(number: int) -> TicketLinks:
    """The links of ticket `number`'s page, as `link` writes them."""
    return _links(number, get_script_prefix(), get_urlconf())
