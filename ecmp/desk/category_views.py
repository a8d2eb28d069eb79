"""Categories: the admins' list (create, rename, order, deactivate), and an agent
filing a ticket under one. Writes: tickets/services/categories.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import admin_required, staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.category_forms import CategoryForm, TicketCategoryForm
from ecmp.tickets.category_selectors import categories_for_admin, category_for_admin
from ecmp.tickets.selectors import ticket_for_staff
from ecmp.tickets.services import categories as services


def _render(
    request: AuthenticatedHttpRequest,
    *,
    new_form: CategoryForm | None = None,
    failed: tuple[int, CategoryForm] | None = None,
) -> HttpResponse:
    rows = []
    for category in categories_for_admin(request.user):
        if failed is not None and failed[0] == category.pk:
            form = failed[1]
        else:
            form = CategoryForm(
                initial={"name_en": category.name_en, "name_fr": category.name_fr},
                prefix=f"c{category.pk}",
            )
        rows.append((category, form))
    context = {
        "nav": "categories",
        "rows": rows,
        "new_form": new_form or CategoryForm(prefix="new"),
    }
    status = 400 if new_form is not None or failed is not None else 200
    return render(request, "desk/categories.html", context, status=status)


@admin_required
@require_GET
def categories(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _render(request)


@admin_required
@require_POST
def category_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST, prefix="new")
    if not form.is_valid():
        return _render(request, new_form=form)
    try:
        category = services.category_create(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, new_form=form)
    messages.success(request, _("The category “%(name)s” is added.") % {"name": category.label()})
    return redirect("desk:categories")


@admin_required
@require_POST
def category_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    category = category_for_admin(request.user, pk)
    form = CategoryForm(request.POST, prefix=f"c{category.pk}")
    if not form.is_valid():
        return _render(request, failed=(category.pk, form))
    try:
        services.category_rename(by=request.user, category=category, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _render(request, failed=(category.pk, form))
    messages.success(request, _("The category is renamed."))
    return redirect("desk:categories")


@admin_required
@require_POST
def category_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    category = category_for_admin(request.user, pk)
    active = request.POST.get("active") == "1"
    services.category_set_active(by=request.user, category=category, active=active)
    if active:
        messages.success(request, _("The category is offered again."))
    else:
        messages.success(
            request, _("The category is deactivated: its tickets keep it, new ones cannot.")
        )
    return redirect("desk:categories")


@admin_required
@require_POST
def category_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    category = category_for_admin(request.user, pk)
    services.category_move(by=request.user, category=category, up=request.POST.get("to") == "up")
    return redirect("desk:categories")


@staff_required
@require_POST
def ticket_category(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """The ticket page's Category card."""
    ticket = ticket_for_staff(request.user, number)
    form = TicketCategoryForm(request.POST)
    if not form.is_valid():
        # A category deactivated since the page was shown, or a forged id.
        refusal_to_messages(request, ValidationError(_("Choose a category in the list.")))
        return redirect("desk:ticket-detail", number=ticket.number)
    try:
        services.ticket_category_set(
            ticket=ticket,
            actor=request.user,
            category=form.cleaned_data["category"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("The category is changed."))
    return redirect("desk:ticket-detail", number=ticket.number)
