"""The desk's view of mail: held messages, failures, everything received, the outbox."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.models import Role, User
from ecmp.core.access import staff_required
from ecmp.core.downloads import file_response
from ecmp.mail.inbound import held
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.pipeline import inbound_retry
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.mail.tasks import outbox_retry
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import parse_number, tickets_visible_to

INBOX_VIEWS = {
    "held": [InboundEmail.Status.HELD],
    "failed": [InboundEmail.Status.FAILED],
    "all": None,
}


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("show", "held")
    statuses = INBOX_VIEWS.get(which, INBOX_VIEWS["held"])
    rows = InboundEmail.objects.select_related("ticket").defer("raw", "ticket__search_document")
    if statuses:
        rows = rows.filter(status__in=statuses)
    page = Paginator(rows.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "desk/mail_inbox.html", {"nav": "mail", "page": page, "show": which})


@staff_required
@require_GET
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(InboundEmail, pk=pk)
    context = {
        "nav": "mail",
        "row": row,
        "mail": parse_message(bytes(row.raw)) if row.raw_purged_at is None else None,
        "may_release": held.may_release(row, request.user),
        "decisions": row.decisions.select_related("actor").order_by("created_at"),
    }
    return render(request, "desk/mail_inbound.html", context)


@staff_required
@require_GET
def inbound_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The message as it was received, for agents (customers never get it)."""
    row = get_object_or_404(InboundEmail.objects.filter(raw_purged_at__isnull=True), pk=pk)
    return file_response(io.BytesIO(bytes(row.raw)), f"message-{row.pk}.eml", "message/rfc822")


def _held_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    row = get_object_or_404(InboundEmail, pk=pk)
    try:
        result = action(row)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("desk:mail-inbound", pk=pk)
    if isinstance(result, Ticket):
        messages.success(request, _("Done: ticket %(number)s.") % {"number": result.number})
        return redirect("desk:ticket-detail", number=result.number)
    messages.success(request, _("The message is discarded."))
    return redirect("desk:mail")


@staff_required
@require_POST
def held_create_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    email = request.POST.get("requester", "").strip().lower()
    requester = User.objects.filter(email=email, role=Role.CUSTOMER, is_active=True).first()
    if requester is None:
        messages.error(request, _("Choose an active client user by email address."))
        return redirect("desk:mail-inbound", pk=pk)
    return _held_action(
        request,
        pk,
        lambda row: held.held_create_ticket(inbound=row, by=request.user, requester=requester),
    )


@staff_required
@require_POST
def held_attach(request: HttpRequest, pk: int) -> HttpResponse:
    number = parse_number(request.POST.get("number"))
    ticket = tickets_visible_to(request.user).filter(number=number).first() if number else None
    if ticket is None:
        messages.error(request, _("There is no ticket %(number)s.") % {"number": number or ""})
        return redirect("desk:mail-inbound", pk=pk)
    return _held_action(
        request, pk, lambda row: held.held_attach(inbound=row, by=request.user, ticket=ticket)
    )


@staff_required
@require_POST
def held_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _held_action(request, pk, lambda row: held.held_release(inbound=row, by=request.user))


@staff_required
@require_POST
def held_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _held_action(request, pk, lambda row: held.held_discard(inbound=row, by=request.user))


@staff_required
@require_POST
def inbound_process_again(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied
    inbound_retry(inbound_id=pk)
    messages.success(request, _("The message will be processed again."))
    return redirect("desk:mail-inbound", pk=pk)


@staff_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied
    status = request.GET.get("status", "")
    rows = OutboundEmail.objects.select_related("ticket").defer(
        "text", "html", "ticket__search_document"
    )
    if status in OutboundEmail.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "desk/mail_outbox.html",
        {"nav": "mail", "page": page, "status": status, "statuses": OutboundEmail.Status.choices},
    )


@staff_required
@require_POST
def outbox_retry_now(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.role != Role.ADMIN:
        raise PermissionDenied
    if outbox_retry(email_id=pk):
        messages.success(request, _("The email will be sent again now."))
    else:
        messages.info(request, _("This email is not waiting to be sent."))
    return redirect("desk:mail-outbox")
