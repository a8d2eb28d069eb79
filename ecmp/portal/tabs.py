"""The strip of opened tickets ("Tickets | 1001 Subject… "x""), kept in the session.

It is the user's own view state, like an open browser tab: viewing a ticket
adds it, the "x" removes it. Nothing about the ticket itself changes.
"""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "ticket_tabs"
MAX_TABS = 8


def tabs_add(request: HttpRequest, number: int, subject: str) -> list[dict[str, object]]:
    kept = request.session.get(SESSION_KEY, [])
    tabs = [tab for tab in kept if tab["number"] != number]
    tabs.append({"number": number, "subject": subject[:60]})
    tabs = tabs[-MAX_TABS:]
    if tabs != kept:  # viewing the same ticket again writes no session
        request.session[SESSION_KEY] = tabs
    return tabs


def tabs_remove(request: HttpRequest, number: int) -> None:
    tabs = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [tab for tab in tabs if tab["number"] != number]


def tabs_list(request: HttpRequest) -> list[dict[str, object]]:
    return list(request.session.get(SESSION_KEY, []))
