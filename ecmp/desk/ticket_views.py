"""The support team's queues and ticket page. Every action is a POST through a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing import composer
from ecmp.billing.activity_choices import composer_activities
from ecmp.billing.packs import pack_balance
from ecmp.billing.ticket_time import time_entries_for_ticket_page
from ecmp.core.access import staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.forms import AssignForm, CloseForm, ComposerForm, PriorityForm
from ecmp.desk.ticket_links import ticket_links
from ecmp.desk.ticket_page_forms import (
    assign_view,
    category_view,
    close_view,
    composer_view,
    priority_view,
)
from ecmp.mail.sender_marks import sender_marks_for_ticket
from ecmp.notifications.services import notification_mark_viewed_for_ticket
from ecmp.tickets import services
from ecmp.tickets.category_choices import active_category_choices
from ecmp.tickets.downloads import attachment_response
from ecmp.tickets.followers import follower_panel
from ecmp.tickets.models import Ticket
from ecmp.tickets.presentation import channel_label
from ecmp.tickets.selectors import (
    attachment_for_staff,
    clean_search,
    parse_number,
    ticket_for_staff,
    tickets_visible_to,
)
from ecmp.tickets.services import waiting
from ecmp.tickets.status import Status
from ecmp.tickets.thread_reads import thread_with_files


@staff_required
@require_GET
def jump(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "Ticket #" box: a customer on the phone gives a number, the ticket opens."""
    raw = request.GET.get("number", "")
    number = parse_number(raw)
    if number is not None and tickets_visible_to(request.user).filter(number=number).exists():
        return redirect("desk:ticket-detail", number=number)
    shown = clean_search(raw, limit=20)
    messages.error(request, _("There is no ticket %(number)s.") % {"number": shown})
    back = request.GET.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("desk:queue")


def _page(request: AuthenticatedHttpRequest, ticket: Ticket, **forms: Any) -> HttpResponse:
    """The page; `forms`: the one form a POST refused, written with its errors (the
    others, and all on a view, from the ticket: desk/ticket_page_forms.py)."""
    thread, opening_files = thread_with_files(ticket, staff=True)
    followers = follower_panel(ticket, request.user)
    if (refused := forms.get("reply_form")) is not None:
        composer = composer_view(ticket, form=refused)
    else:
        composer = composer_view(ticket, *composer_activities(request.user))
    context = {
        "nav": "queues",
        "ticket": ticket,
        "links": ticket_links(ticket.number),
        "thread": thread,
        "opening_files": opening_files,
        # Who sent each message that came by mail, as proven: by message id (0: the
        # opening text); the thread writes each with desk/_sender_mark.html.
        "sender_marks": sender_marks_for_ticket(ticket.pk),
        "reply_form": composer,
        "close_form": close_view(ticket, forms.get("close_form")),
        "assign_form": assign_view(ticket, ticket.assignee),
        "priority_form": priority_view(ticket, forms.get("priority_form")),
        "followers": followers,
        # Each customer who may be added: (id, "name (email)"), text the select escapes.
        "follower_options": [(p.pk, f"{p.full_name} ({p.email})") for p in followers.candidates],
        # As get_channel_display() gives it, memoized per language.
        "channel": channel_label(ticket.channel),
        "time_entries": time_entries_for_ticket_page(ticket),
        "hour_balance": pack_balance(ticket.organization_id, today=timezone.localdate()),
        "category_form": category_view(ticket, active_category_choices()),
    }
    status = 400 if forms else 200
    return render(request, "desk/ticket_detail.html", context, status=status)


@staff_required
@require_GET
def ticket_detail(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    notification_mark_viewed_for_ticket(user=request.user, ticket=ticket)  # opened: read
    return _page(request, ticket)


def _done(request: AuthenticatedHttpRequest, ticket: Ticket, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("desk:ticket-detail", number=ticket.number)


def _refused(
    request: AuthenticatedHttpRequest, ticket: Ticket, error: ValidationError
) -> HttpResponse:
    refusal_to_messages(request, error)
    return redirect("desk:ticket-detail", number=ticket.number)


def _version(request: AuthenticatedHttpRequest) -> int | None:
    return parse_number(request.POST.get("version"))


ACTIONS: dict[str, tuple[Callable[..., Any], dict[str, Any], Any]] = {
    "accept": (services.ticket_accept, {}, gettext_lazy("The ticket is accepted.")),
    "start": (
        services.ticket_transition,
        {"status": Status.WAIT},
        gettext_lazy("Work on the ticket started."),
    ),
    "open": (
        services.ticket_transition,
        {"status": Status.OPEN},
        gettext_lazy("The ticket is open."),
    ),
    "reopen": (
        services.ticket_transition,
        {"status": Status.OPEN},
        gettext_lazy("The ticket is reopened."),
    ),
    "unarchive": (services.ticket_unarchive, {}, gettext_lazy("The ticket is unarchived.")),
    # Waiting for the customer's answer: a mark beside the status (services/waiting.py).
    "ask": (
        waiting.ticket_waiting_set,
        {},
        gettext_lazy("The ticket waits for the customer's answer: its SLA clock is paused."),
    ),
    "stop-waiting": (
        waiting.ticket_waiting_clear,
        {},
        gettext_lazy("The ticket no longer waits for the customer: its SLA clock runs again."),
    ),
}


@staff_required
@require_POST
def ticket_action(request: AuthenticatedHttpRequest, number: int, action: str) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    if action not in ACTIONS:
        raise Http404
    service, extra, done = ACTIONS[action]
    try:
        service(ticket=ticket, actor=request.user, version=_version(request), **extra)
    except ValidationError as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, str(done))


def _no_time_warning(request: AuthenticatedHttpRequest, done: composer.Composed) -> None:
    if done.closed_without_time:  # ECMP_TIME_ON_CLOSE=warn
        messages.warning(request, _("No time was logged on this ticket."))


@staff_required
@require_POST
def ticket_close(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, close_form=form)
    try:
        done = composer.ticket_close(
            ticket=ticket,
            agent=request.user,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        return _refused(request, ticket, error)
    _no_time_warning(request, done)
    return _done(request, ticket, _("The ticket is closed."))


COMPOSED = {
    # (what was written, then): what the agent is told
    ("reply", ""): gettext_lazy("Your reply is sent to the customer."),
    ("note", ""): gettext_lazy("Your internal note is added."),
    ("time", ""): gettext_lazy("The time is logged."),
    ("reply", Status.WAIT): gettext_lazy("Your reply is sent; the ticket waits."),
    ("note", Status.WAIT): gettext_lazy("Your internal note is added; the ticket waits."),
    ("time", Status.WAIT): gettext_lazy("The time is logged; the ticket waits."),
    ("reply", Status.CLOSED): gettext_lazy("Your reply is sent; the ticket is closed."),
    ("note", Status.CLOSED): gettext_lazy("Your internal note is added; the ticket is closed."),
    ("time", Status.CLOSED): gettext_lazy("The time is logged; the ticket is closed."),
    ("reply", "ask"): gettext_lazy(
        "Your reply is sent; the ticket waits for the customer's answer."
    ),
}


@staff_required
@require_POST
def ticket_reply(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """The composer: a reply or note, the time spent, then Wait or Closed, in one POST."""
    ticket = ticket_for_staff(request.user, number)
    form = ComposerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, ticket, reply_form=form)
    data = form.cleaned_data
    then = data["then"]
    time = None
    if data["time"] is not None:
        time = composer.TimeSpent(data["time"], data["activity_type"], data["billable"])
    try:
        done = composer.ticket_compose(
            ticket=ticket,
            agent=request.user,
            body=data["body"],
            files=data["files"],
            internal=data["kind"] == "note",
            time=time,
            status=then if then in (Status.WAIT, Status.CLOSED) else None,
            ask=then == "ask",
            version=data["version"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, ticket, reply_form=form)
    _no_time_warning(request, done)
    written = "time" if done.message is None else data["kind"]
    return _done(request, ticket, str(COMPOSED[written, then]))


@staff_required
@require_POST
def ticket_assign(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _refused(request, ticket, ValidationError(_("Choose an agent.")))
    try:
        services.ticket_assign(
            ticket=ticket,
            actor=request.user,
            assignee=form.cleaned_data["assignee"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, _("The assignee is changed."))


@staff_required
@require_POST
def ticket_priority(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    ticket = ticket_for_staff(request.user, number)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, priority_form=form)
    try:
        services.ticket_set_priority(
            ticket=ticket,
            actor=request.user,
            priority=form.cleaned_data["priority"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        return _refused(request, ticket, error)
    return _done(request, ticket, _("The priority is changed."))


@staff_required
@require_GET
def attachment_download(
    request: AuthenticatedHttpRequest, number: int, attachment_id: int
) -> FileResponse:
    return attachment_response(attachment_for_staff(request.user, number, attachment_id))
