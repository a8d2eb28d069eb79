"""Clients: organizations, their people, the priority lock."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecmp.accounts import services
from ecmp.accounts.models import Organization, User
from ecmp.accounts.organization_page_reads import (
    organization_for_staff,
    organization_history,
    people_of_organization,
)
from ecmp.accounts.people_cells import people_cells
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.forms import BillingProfileForm
from ecmp.billing.selectors import billing_profile_for
from ecmp.core.access import is_admin, staff_required
from ecmp.core.refusals import refusal_to_messages
from ecmp.desk.contract_views import contract_card
from ecmp.desk.forms import OrganizationForm, PersonDetailsForm, ReasonForm, UserRoleForm
from ecmp.tickets.organization_reads import (
    OrganizationDirectory,
    OrganizationRow,
    priority_figures,
)
from ecmp.tickets.selectors import clean_search


@staff_required
@require_GET
def organization_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    text = clean_search(request.GET.get("q"), limit=100)
    page: Page[OrganizationRow] = Paginator(
        OrganizationDirectory(text=text),  # type: ignore[arg-type]  # counted and sliced only
        settings.ECMP_DIRECTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "desk/organizations.html", {"nav": "clients", "page": page, "q": text})


@staff_required
@require_http_methods(["GET", "POST"])
def organization_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("The organization is created."))
            return redirect("desk:organization", pk=organization.pk)
    return render(request, "desk/organization_form.html", {"nav": "clients", "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def organization_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = organization_for_staff(pk)
    form = OrganizationForm(
        request.POST or None,
        initial={
            "name": organization.name,
            "contract_notes": organization.contract_notes,
            "managers_see_all_tickets": organization.managers_see_all_tickets,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                organization=organization, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("The organization is saved."))
            return redirect("desk:organization", pk=organization.pk)
    context = {
        "nav": "clients",
        "organization": organization,
        "form": form,
        "figures": priority_figures(organization.pk),
        "people": people_cells(people_of_organization(organization.pk)),
        "history": organization_history(organization.pk),
        **contract_card(organization),
    }
    if is_admin(request.user):  # the billing card is for administrators only
        context["billing_form"] = BillingProfileForm(instance=billing_profile_for(organization))
    return render(request, "desk/organization.html", context, status=400 if form.errors else 200)


def _with_reason(request: AuthenticatedHttpRequest, pk: int, change) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why."))
    else:
        try:
            change(organization, form.cleaned_data["reason"])
        except ValidationError as error:
            refusal_to_messages(request, error)
        else:
            messages.success(request, _("The organization is saved."))
    return redirect("desk:organization", pk=pk)


@staff_required
@require_POST
def organization_priority_lock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    locked = request.POST.get("locked") == "1"
    if not locked and request.POST.get("confirm") != "1":
        # Lifting the lock is a second thought on a decision: the agent confirms it.
        messages.error(request, _("Please confirm that its users may choose the priority again."))
        return redirect("desk:organization", pk=pk)
    return _with_reason(
        request,
        pk,
        lambda org, reason: services.organization_set_priority_lock(
            organization=org, by=request.user, locked=locked, reason=reason
        ),
    )


@staff_required
@require_POST
def organization_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _with_reason(
        request,
        pk,
        lambda org, reason: services.organization_set_active(
            organization=org, by=request.user, active=active, reason=reason
        ),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    initial = {field: getattr(person, field) for field in PersonDetailsForm.base_fields}
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_details(user=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved for %(email)s.") % {"email": person.email})
            return _back_to_person(person)
    return render(
        request, "desk/person_edit.html", {"nav": "clients", "form": form, "person": person}
    )


def _back_to_person(person: User) -> HttpResponse:
    if person.organization_id:
        return redirect("desk:organization", pk=person.organization_id)
    return redirect("desk:team" if person.is_support_staff else "desk:home")


def _person_action(request: AuthenticatedHttpRequest, user_id: int, change) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    try:
        change(person)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("Saved for %(email)s.") % {"email": person.email})
    return _back_to_person(person)


@staff_required
@require_POST
def user_active(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _person_action(
        request,
        user_id,
        lambda person: services.user_set_active(user=person, by=request.user, active=active),
    )


@staff_required
@require_POST
def user_role(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    form = UserRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role."))
        return redirect("desk:home")
    return _person_action(
        request,
        user_id,
        lambda person: services.user_set_role(user=person, by=request.user, **form.cleaned_data),
    )


@staff_required
@require_POST
def invitation_revoke(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    return _person_action(
        request, user_id, lambda person: services.invitation_revoke(user=person, by=request.user)
    )
