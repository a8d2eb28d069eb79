"""Canned replies: the agent's library, and the composer's picker."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import is_admin, staff_required
from ecmp.desk.forms import CannedReplyForm
from ecmp.tickets.selectors import (
    canned_replies_for_picker,
    canned_replies_visible_to,
    canned_reply_for_staff,
    ticket_for_staff,
)
from ecmp.tickets.services.canned import (
    canned_reply_create,
    canned_reply_delete,
    canned_reply_may_edit,
    canned_reply_render,
    canned_reply_update,
)


@staff_required
@require_http_methods(["GET", "POST"])
def canned_replies(request: AuthenticatedHttpRequest) -> HttpResponse:
    may_share = is_admin(request.user)
    form = CannedReplyForm(request.POST or None, may_share=may_share)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            canned_reply_create(
                by=request.user,
                title=data["title"],
                body=data["body"],
                language=data["language"],
                shared=data.get("shared", False),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The canned reply is saved."))
            return redirect("desk:canned-replies")
    replies = canned_replies_visible_to(request.user).select_related("owner")
    context = {
        "nav": "canned",
        "form": form,
        "may_share": may_share,
        "rows": [(reply, canned_reply_may_edit(request.user, reply)) for reply in replies],
    }
    return render(request, "desk/canned_replies.html", context, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def canned_reply_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reply = canned_reply_for_staff(request.user, pk)
    if not canned_reply_may_edit(request.user, reply):
        raise PermissionDenied
    initial = {"title": reply.title, "body": reply.body, "language": reply.language}
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            canned_reply_update(
                by=request.user,
                reply=reply,
                title=data["title"],
                body=data["body"],
                language=data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The canned reply is saved."))
            return redirect("desk:canned-replies")
    context = {"nav": "canned", "form": form, "reply": reply}
    return render(
        request, "desk/canned_reply_edit.html", context, status=400 if form.errors else 200
    )


@staff_required
@require_POST
def canned_reply_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    canned_reply_delete(by=request.user, reply=canned_reply_for_staff(request.user, pk))
    messages.success(request, _("The canned reply is deleted."))
    return redirect("desk:canned-replies")


@staff_required
@require_GET
def canned_picker(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """The composer's search box: the matching replies, the requester's language first."""
    ticket = ticket_for_staff(request.user, number)
    search = request.GET.get("canned", "")
    context = {
        "ticket": ticket,
        "replies": canned_replies_for_picker(
            request.user, search=search, language=ticket.requester.language
        ),
        "searched": True,
    }
    return render(request, "desk/_canned_picker.html", context)


@staff_required
@require_POST
def canned_insert(request: AuthenticatedHttpRequest, number: int, pk: int) -> HttpResponse:
    """A chosen reply, filled in, for ecmp.js to put into the composer (a POST: it
    counts a use)."""
    ticket = ticket_for_staff(request.user, number)
    reply = canned_reply_for_staff(request.user, pk)
    text = canned_reply_render(reply=reply, ticket=ticket, agent=request.user)
    return render(request, "desk/_canned_insert.html", {"text": text})
