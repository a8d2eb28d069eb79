"""Followers on the desk's ticket page (issue 18 §4): an agent adds or removes the
organization's customers, and follows or unfollows the ticket themself.

Each is a POST through `tickets/services/followers.py`, then back to the ticket
with what happened above it (the Followers card of desk/ticket_detail.html holds
the forms).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.tickets.followers import person_for_follow
from ecmp.tickets.selectors import parse_number, ticket_for_staff
from ecmp.tickets.services.followers import follower_add, follower_remove


def _back(number: int) -> HttpResponse:
    return redirect("desk:ticket-detail", number=number)


@staff_required
@require_POST
def follower_add_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """Add a customer (the form's `user`), or the agent themself (no `user`)."""
    ticket = ticket_for_staff(request.user, number)
    user_id = parse_number(request.POST.get("user"))
    if request.POST.get("user") and user_id is None:
        user_id = 0  # not a number: nobody
    person = request.user if user_id is None else person_for_follow(ticket, user_id, request.user)
    if person is None:
        messages.error(request, _("Choose a customer to add."))
        return _back(ticket.number)
    try:
        follower_add(ticket=ticket, user=person, by=request.user)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        if person.pk == request.user.pk:
            messages.success(request, _("You follow this ticket."))
        else:
            messages.success(
                request, _("%(name)s now follows this ticket.") % {"name": person.full_name}
            )
    return _back(ticket.number)


@staff_required
@require_POST
def follower_remove_view(
    request: AuthenticatedHttpRequest, number: int, user_id: int
) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    person = person_for_follow(ticket, user_id, request.user)
    if person is None:
        raise Http404
    try:
        follower_remove(ticket=ticket, user=person, by=request.user)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        if person.pk == request.user.pk:
            messages.success(request, _("You no longer follow this ticket."))
        else:
            messages.success(
                request,
                _("%(name)s no longer follows this ticket.") % {"name": person.full_name},
            )
    return _back(ticket.number)
