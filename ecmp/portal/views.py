"""The customer's pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecmp.accounts import services
from ecmp.accounts.forms import RegistrationRequestForm
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.team_page_reads import team_colleagues, team_removals
from ecmp.accounts.team_page_reads import team_requests as requests_for_manager
from ecmp.core.access import team_manager_required
from ecmp.notifications.list_reads import notification_rows
from ecmp.portal.news_cells import event_items, notification_items
from ecmp.tickets.dashboard_reads import recent_events, status_counts


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A summary of the user's tickets: counts by status, latest activity, unread news."""
    user = request.user
    if user.is_support_staff:
        return redirect("desk:home")
    return render(
        request,
        "portal/dashboard.html",
        {
            "nav": "home",
            "counts": status_counts(user),
            "events": event_items(recent_events(user, limit=8)),
            "notifications": notification_items(notification_rows(user, unread_only=True, size=5)),
        },
    )


@team_manager_required
@require_http_methods(["GET", "POST"])
def team_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A team manager asks for a colleague's registration and follows the answers."""
    form = RegistrationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_request_create(
                manager=request.user,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Your request was sent to the support team."))
            return redirect("portal:team-requests")
    context = {
        "form": form,
        "requests": requests_for_manager(request.user),
        "nav": "team",
        # Asking to remove a colleague who left (portal/team_removal_views.py).
        "colleagues": team_colleagues(request.user),
        "removals": team_removals(request.user),
    }
    return render(request, "portal/team_requests.html", context)
