"""The desk header's search box: tickets, people and organizations on one page.

An exact ticket number opens that ticket at once (a customer on the phone gives
it). "More" on a group shows that group alone: tickets page by page (the MORE most
recent matches: a search is narrowed, not paged through to its end), people and
organizations up to GROUP_LIMIT.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.core.paging import CappedPaginator
from ecmp.tickets.desk_search import (
    MORE,
    desk_search,
    desk_search_organizations,
    desk_search_people,
    desk_search_tickets,
)
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import clean_search, parse_number, tickets_visible_to

GROUPS = ("tickets", "people", "organizations")
GROUP_LIMIT = 100


class SearchPaginator(CappedPaginator):
    """The "more tickets" page: the MORE most recent matches; "of more than" when
    there are older ones."""

    cap = MORE

    def __init__(self, tickets: QuerySet[Ticket], per_page: int, *, older: bool) -> None:
        super().__init__(tickets, per_page)
        self.older = older

    @property
    def capped(self) -> bool:
        return self.older or super().capped


@staff_required
@require_GET
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = clean_search(request.GET.get("q"))
    number = parse_number(text)
    if number is not None and tickets_visible_to(request.user).filter(number=number).exists():
        return redirect("desk:ticket-detail", number=number)
    group = request.GET.get("group", "")
    context: dict[str, object] = {"q": text, "group": group if group in GROUPS else ""}
    if group == "tickets":
        tickets, older = desk_search_tickets(request.user, text)
        paginator = SearchPaginator(tickets, settings.ECMP_LIST_PAGE_SIZE, older=older)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(page=page, query_without_page=query.urlencode())
    elif group == "people":
        context["people"] = desk_search_people(request.user, text, limit=GROUP_LIMIT)
    elif group == "organizations":
        context["organizations"] = desk_search_organizations(request.user, text, limit=GROUP_LIMIT)
    else:
        context["found"] = desk_search(request.user, text)
    return render(request, "desk/search.html", context)
