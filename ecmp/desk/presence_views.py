"""Presence on the desk ticket page: the page's poll.

Every 15 seconds (and once as the page loads) the ticket page posts whether its
composer was edited lately; the answer is the line "Alice is viewing" / "Alice is
typing a reply" for the other agents on the ticket. A POST: it writes the agent's
presence. The ticket page itself reads nothing for it, so its first render costs
no query more."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.core.fragments import render_page
from ecmp.tickets.presence_selectors import presence_list_for_ticket
from ecmp.tickets.selectors import ticket_for_staff
from ecmp.tickets.services.presence import presence_touch


class PresenceForm(forms.Form):
    # Sent by static/js/ecmp.js: the composer was edited in the last 20 seconds.
    typing = forms.BooleanField(required=False)


@staff_required
@require_POST
def ticket_presence(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    form = PresenceForm(request.POST)
    typing = form.is_valid() and form.cleaned_data["typing"]
    presence_touch(ticket=ticket, by=request.user, typing=typing)
    context = {
        "ticket": ticket,
        "others": list(presence_list_for_ticket(ticket, viewer=request.user)),
    }
    return render_page(request, "desk/_ticket_presence.html", context, block="presence")
