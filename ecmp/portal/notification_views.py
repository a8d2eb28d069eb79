"""The bell, the notifications page, "Mark as viewed"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.paging import FullyCountedPaginator
from ecmp.notifications import services
from ecmp.notifications.list_reads import notification_count, notification_rows
from ecmp.portal.news_cells import notification_items


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    user = request.user
    paginator = FullyCountedPaginator(
        lambda offset, size: notification_rows(
            user, unread_only=unread_only, offset=offset, size=size
        ),
        lambda _cap: notification_count(user, unread_only=unread_only),
        settings.ECMP_LIST_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "items": notification_items(page.object_list),
        "unread_only": unread_only,
        "nav": "notifications",
    }
    return render(request, "portal/notifications.html", context)


@login_required
@require_GET
def notification_bell(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The header's bell alone, polled by htmx to refresh the count (given by the
    `unread` context processor)."""
    return render(request, "includes/bell.html")


def _back(request: AuthenticatedHttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def notification_mark_viewed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if services.notification_mark_viewed(user=request.user, notification_id=pk) is None:
        raise Http404
    return _back(request, "portal:notifications")


@login_required
@require_POST
def notification_mark_all_viewed(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.notification_mark_all_viewed(user=request.user)
    return _back(request, "portal:notifications")


@login_required
@require_POST
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open the ticket a notification is about; that marks it viewed."""
    notification = services.notification_mark_viewed(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404
    where = "desk:ticket-detail" if request.user.is_support_staff else "portal:ticket-detail"
    return redirect(where, number=notification.ticket.number)
