"""The support team's pages for people: registering users, answering requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts import services
from ecmp.accounts.desk_home_reads import latest_invitations
from ecmp.accounts.forms import DeclineForm, InviteForm
from ecmp.accounts.models import RegistrationRequest, RemovalRequest, User
from ecmp.accounts.removal_selectors import removal_request_list_for_staff
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import registration_request_list_for_staff
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.home_reads import desk_home_counts
from ecmp.tickets.queue_reads import my_open_tickets, queue_counts, tickets_at_risk_items


@staff_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The agent's dashboard: queues, my tickets, SLA at risk, the last 30 days."""
    user = request.user
    now = timezone.now()
    # The chart and the pending requests read with the menu's and the bell's counts.
    per_day, pending = desk_home_counts(request, days=30)
    return render(
        request,
        "desk/home.html",
        {
            "nav": "desk",
            "counts": queue_counts(user.pk, now),
            "mine": my_open_tickets(user, limit=10),
            "at_risk": tickets_at_risk_items(now),
            "now": now,
            "per_day": per_day,
            "pending_count": pending,
            "invitations": latest_invitations(5),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    initial = {"organization": request.GET.get("organization")} if request.GET else None
    form = InviteForm(request.POST or None, inviter=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                by=request.user,
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                organization=data["organization"],
                is_team_manager=data["is_team_manager"],
                language=data["language"],
            )
        except ValidationError as error:
            form.add_error("email" if error.code == "taken" else None, error)
        else:
            messages.success(
                request,
                _("%(email)s is registered; the welcome email is on its way.")
                % {"email": user.email},
            )
            return redirect("desk:home")
    return render(request, "desk/invite.html", {"form": form, "nav": "desk"})


@staff_required
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    try:
        services.invitation_send(user=user, by=request.user)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("A new link was sent to %(email)s.") % {"email": user.email})
    # Back to the page that lists the person (their company's, or the team's), not the desk home.
    if user.organization_id:
        return redirect("desk:organization", pk=user.organization_id)
    return redirect("desk:team" if user.is_support_staff else "desk:home")


@staff_required
@require_GET
def registration_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", RegistrationRequest.Status.PENDING)
    if status not in RegistrationRequest.Status.values:
        status = RegistrationRequest.Status.PENDING
    return render(
        request,
        "desk/registration_requests.html",
        {
            "requests": registration_request_list_for_staff(status=status)[:200],
            "status": status,
            "statuses": RegistrationRequest.Status.choices,
            "nav": "requests",
            # Counted in the menu's badge with these (desk/menu.py): shown on its link.
            "removals_pending": removal_request_list_for_staff(
                status=RemovalRequest.Status.PENDING
            ).count(),
        },
    )


@staff_required
@require_POST
def registration_request_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(RegistrationRequest, pk=pk)
    try:
        user = services.registration_request_approve(
            request=registration,
            by=request.user,
        )
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request,
            _("%(email)s is registered; the welcome email is on its way.") % {"email": user.email},
        )
    return redirect("desk:registration-requests")


@staff_required
@require_POST
def registration_request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    registration = get_object_or_404(RegistrationRequest, pk=pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the manager a reason."))
        return redirect("desk:registration-requests")
    try:
        services.registration_request_decline(
            request=registration,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The request was declined; the manager sees your reason."))
    return redirect("desk:registration-requests")
