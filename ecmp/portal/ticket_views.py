"""The customer's Service desk: the three lists, New Ticket, the ticket page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.ticket_time import time_visible_to_customer
from ecmp.core.fragments import render_page
from ecmp.core.paging import read_page
from ecmp.core.refusals import refusal_to_messages
from ecmp.notifications.services import notification_mark_viewed_for_ticket
from ecmp.portal import tabs
from ecmp.tickets import services
from ecmp.tickets.customer_list_reads import CustomerList
from ecmp.tickets.downloads import attachment_response
from ecmp.tickets.followers import follower_panel
from ecmp.tickets.forms import NewTicketForm, ReplyForm
from ecmp.tickets.presentation import customer_cells
from ecmp.tickets.selectors import (
    CUSTOMER_LISTS,
    DEFAULT_SORT,
    SORTS,
    access_ticket,
    attachment_for_customer,
    clean_search,
)
from ecmp.tickets.status import Status
from ecmp.tickets.thread_reads import support_question, thread_with_files


def _form_errors_to(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: file problems on the file field."""
    field = "files" if getattr(error, "code", None) == "attachments" else None
    form.add_error(field, error)


@login_required
@require_GET
def ticket_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    which = request.GET.get("list", "open")
    if which not in CUSTOMER_LISTS:
        which = "open"
    sort = request.GET.get("sort", DEFAULT_SORT)
    # One spelling per sort ("--created" is "-created"): the compiled lists are kept
    # per sort, and a sort the page never offers must not make a new one.
    field = sort.lstrip("-")
    sort = ("-" if sort.startswith("-") else "") + field if field in SORTS else DEFAULT_SORT
    text = clean_search(request.GET.get("q"))
    tickets = CustomerList(request.user, which=which, text=text, sort=sort)
    page, _query = read_page(request, tickets.rows, tickets.count)
    context = {
        "nav": "service-desk",
        "which": which,
        "lists": CUSTOMER_LISTS,
        "sort": sort,
        "q": text,
        "base_query": urlencode({"list": which, "q": text}),
        "pagination_query": urlencode({"list": which, "q": text, "sort": sort}),
        "page": page,
        "cells": customer_cells(page.object_list, "portal:ticket-detail"),
        "tabs": tabs.tabs_list(request),
    }
    block = "list" if request.htmx and request.htmx.target == "ticket-list" else None
    return render_page(request, "portal/ticket_list.html", context, block=block)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The side panel (htmx) or, without JavaScript, a page of its own."""
    if not request.user.is_customer:
        raise PermissionDenied
    related = None
    related_number = request.POST.get("related") or request.GET.get("related")
    if related_number:
        related = access_ticket(request.user, related_number)
    initial: dict[str, object] = {}
    if related:
        subject = _("Follow-up to %(number)s — %(subject)s") % {
            "number": related.number,
            "subject": related.subject,
        }
        initial = {"related": related.number, "subject": subject[:200]}
    form = NewTicketForm(
        request.POST or None, request.FILES or None, requester=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                requester=request.user,
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"],
                files=data["files"],
                related_to=related,
                category=data["category"],
            )
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            url = reverse("portal:ticket-detail", args=[ticket.number])
            messages.success(
                request, _("Ticket %(number)s is created.") % {"number": ticket.number}
            )
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"form": form, "related": related, "nav": "service-desk"}
    if request.htmx:
        return render_page(request, "portal/ticket_new.html", context, block="panel")
    return render(request, "portal/ticket_new.html", context)


def _detail_context(request: AuthenticatedHttpRequest, ticket, reply_form=None) -> dict:
    thread, opening_files = thread_with_files(ticket, staff=False)
    return {
        "nav": "service-desk",
        "ticket": ticket,
        "thread": thread,
        "opening_files": opening_files,
        "asked": support_question(thread) if ticket.waiting_since else None,
        "form": reply_form or ReplyForm(),
        "tabs": tabs.tabs_add(request, ticket.number, ticket.subject),
        "can_close": ticket.status != Status.CLOSED and not ticket.is_archived,
        "time_spent": time_visible_to_customer(ticket),
        "followers": follower_panel(ticket, request.user),
    }


@login_required
@require_GET
def ticket_detail(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    notification_mark_viewed_for_ticket(user=request.user, ticket=ticket)  # opened: read
    return render(request, "portal/ticket_detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_reply(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = access_ticket(request.user, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        was_closed = ticket.status == Status.CLOSED
        try:
            services.ticket_reply(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as error:
            _form_errors_to(form, error)
        else:
            if was_closed:
                messages.success(request, _("Your message is added and the ticket is open again."))
            else:
                messages.success(request, _("Your message is added to the ticket."))
            return redirect("portal:ticket-detail", number=ticket.number)
    context = _detail_context(request, ticket, reply_form=form)
    return render(request, "portal/ticket_detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_close(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """GET asks for confirmation; POST closes."""
    ticket = access_ticket(request.user, number)
    if request.method == "POST":
        try:
            services.ticket_transition(ticket=ticket, actor=request.user, status=Status.CLOSED)
        except ValidationError as error:
            refusal_to_messages(request, error)
        else:
            messages.success(request, _("The ticket is closed."))
        return redirect("portal:ticket-detail", number=ticket.number)
    return render(
        request,
        "portal/ticket_close.html",
        {"ticket": ticket, "nav": "service-desk", "tabs": tabs.tabs_list(request)},
    )


@login_required
@require_POST
def ticket_tab_close(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    tabs.tabs_remove(request, number)
    return redirect("portal:service-desk")


@login_required
@require_GET
def attachment_download(
    request: AuthenticatedHttpRequest, number: int, attachment_id: int
) -> FileResponse:
    return attachment_response(attachment_for_customer(request.user, number, attachment_id))
