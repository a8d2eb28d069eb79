"""The desk's view of mail: held messages, failures, everything received, the outbox."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.accounts.selectors import customer_find_by_email
from ecmp.core.access import admin_required, staff_required
from ecmp.core.downloads import file_response
from ecmp.core.refusals import refusal_to_messages
from ecmp.mail import selectors, services
from ecmp.mail.inbound.parse import parse_message
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import parse_number, ticket_for_staff


@staff_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    which = request.GET.get("show", "held")
    rows = selectors.inbound_list_for_staff(which)
    page = Paginator(rows, settings.ECMP_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "desk/mail_inbox.html", {"nav": "mail", "page": page, "show": which})


@staff_required
@require_GET
def inbound_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    row = selectors.inbound_get_for_staff(pk)
    context = {
        "nav": "mail",
        "row": row,
        "mail": parse_message(bytes(row.raw)) if row.raw_purged_at is None else None,
        "may_release": selectors.may_release(row, request.user),
        "decisions": selectors.inbound_decisions(row),
    }
    return render(request, "desk/mail_inbound.html", context)


@staff_required
@require_GET
def inbound_original(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The message as it was received, for agents (customers never get it)."""
    row = selectors.inbound_original_for_staff(pk)
    return file_response(io.BytesIO(bytes(row.raw)), f"message-{row.pk}.eml", "message/rfc822")


def _held_action(request: AuthenticatedHttpRequest, pk: int, action) -> HttpResponse:
    row = selectors.inbound_get_for_staff(pk)
    try:
        result = action(row)
    except ValidationError as error:
        refusal_to_messages(request, error)
        return redirect("desk:mail-inbound", pk=pk)
    if isinstance(result, Ticket):
        messages.success(request, _("Done: ticket %(number)s.") % {"number": result.number})
        return redirect("desk:ticket-detail", number=result.number)
    messages.success(request, _("The message is discarded."))
    return redirect("desk:mail")


@staff_required
@require_POST
def held_create_ticket(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = request.POST.get("requester", "").strip().lower()
    requester = customer_find_by_email(email)
    if requester is None:
        messages.error(request, _("Choose an active client user by email address."))
        return redirect("desk:mail-inbound", pk=pk)
    return _held_action(
        request,
        pk,
        lambda row: services.held_create_ticket(inbound=row, by=request.user, requester=requester),
    )


@staff_required
@require_POST
def held_attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    number = parse_number(request.POST.get("number"))
    try:  # no number typed finds no ticket either: the selector answers 404
        ticket = ticket_for_staff(request.user, number if number is not None else "")
    except Http404:
        messages.error(request, _("There is no ticket %(number)s.") % {"number": number or ""})
        return redirect("desk:mail-inbound", pk=pk)
    return _held_action(
        request, pk, lambda row: services.held_attach(inbound=row, by=request.user, ticket=ticket)
    )


@staff_required
@require_POST
def held_release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _held_action(
        request, pk, lambda row: services.held_release(inbound=row, by=request.user)
    )


@staff_required
@require_POST
def held_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _held_action(
        request, pk, lambda row: services.held_discard(inbound=row, by=request.user)
    )


@admin_required
@require_POST
def inbound_process_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.inbound_retry(inbound_id=pk)
    messages.success(request, _("The message will be processed again."))
    return redirect("desk:mail-inbound", pk=pk)


@admin_required
@require_GET
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.outbox_list_for_admin(status)
    page = Paginator(rows, settings.ECMP_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/mail_outbox.html",
        {"nav": "mail", "page": page, "status": status, "statuses": selectors.OUTBOX_STATUSES},
    )


@admin_required
@require_POST
def outbox_retry_now(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if services.outbox_retry(email_id=pk):
        messages.success(request, _("The email will be sent again now."))
    else:
        messages.info(request, _("This email is not waiting to be sent."))
    return redirect("desk:mail-outbox")
