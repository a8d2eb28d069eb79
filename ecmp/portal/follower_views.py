"""Followers in the customer's portal (issue 18 §4): the tickets one follows, and on
a ticket's page the requester's Add / Remove and a follower's Stop following.

Every write is a POST through `tickets/services/followers.py`, then back to the
ticket's page with what happened above it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.fragments import render_page
from ecmp.core.paging import CappedPaginator
from ecmp.core.refusals import refusal_to_messages
from ecmp.portal import tabs
from ecmp.tickets.followers import person_for_follow, ticket_list_followed_by
from ecmp.tickets.selectors import (
    DEFAULT_SORT,
    SORTS,
    access_ticket,
    clean_search,
    parse_number,
    ticket_visible_to,
)
from ecmp.tickets.services.followers import follower_add, follower_remove


@login_required
@require_GET
def followed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tickets the user follows (others' tickets: their own are in the lists)."""
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    text = clean_search(request.GET.get("q"))
    tickets = ticket_list_followed_by(request.user, text=text, sort=sort)
    page = CappedPaginator(tickets, settings.ECMP_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "service-desk",
        "sort": sort,
        "q": text,
        "base_query": urlencode({"q": text}),
        "pagination_query": urlencode({"q": text, "sort": sort}),
        "page": page,
        "tabs": tabs.tabs_list(request),
        "followed_tab": True,
    }
    block = "list" if request.htmx and request.htmx.target == "ticket-list" else None
    return render_page(request, "portal/followed.html", context, block=block)


@login_required
@require_POST
def follower_add_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    person = person_for_follow(ticket, parse_number(request.POST.get("user")), request.user)
    if person is None:
        messages.error(request, _("Choose a colleague to add."))
        return redirect("portal:ticket-detail", number=ticket.number)
    try:
        follower_add(ticket=ticket, user=person, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request, _("%(name)s now follows this ticket.") % {"name": person.full_name}
        )
    return redirect("portal:ticket-detail", number=ticket.number)


@login_required
@require_POST
def follower_remove_view(
    request: AuthenticatedHttpRequest, number: int, user_id: int
) -> HttpResponse:
    """The requester removes a colleague; a follower stops following (and then no
    longer sees the ticket: back to the Service desk)."""
    ticket = access_ticket(request.user, number)
    person = person_for_follow(ticket, user_id, request.user)
    if person is None:
        raise Http404
    try:
        follower_remove(ticket=ticket, user=person, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect("portal:ticket-detail", number=ticket.number)
    if person.pk == request.user.pk:
        messages.success(
            request,
            _("You no longer follow ticket %(number)s.") % {"number": ticket.number},
        )
        if not ticket_visible_to(request.user, ticket):
            tabs.tabs_remove(request, ticket.number)
            return redirect("portal:followed")
    else:
        messages.success(
            request,
            _("%(name)s no longer follows this ticket.") % {"name": person.full_name},
        )
    return redirect("portal:ticket-detail", number=ticket.number)
