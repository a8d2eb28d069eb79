"""A person's data (admins): download a copy, erase them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.core.access import staff_required
from ecmp.desk.people_forms import PersonEraseForm
from ecmp.privacy.downloads import personal_data_response
from ecmp.privacy.erasure import person_erase as erase
from ecmp.privacy.selectors import person_for_admin


# Customers are refused as on every desk page (403); for an agent these people do
# not exist (404): only admins act on someone else's data.
@staff_required
@require_POST
def person_export(request: AuthenticatedHttpRequest, user_id: int) -> FileResponse:
    person = person_for_admin(request.user, user_id)
    return personal_data_response(user=person, by=request.user)


@staff_required
@require_http_methods(["GET", "POST"])
def person_erase(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    person = person_for_admin(request.user, user_id)
    form = PersonEraseForm(request.POST or None, email=person.email)
    if request.method == "POST" and form.is_valid():
        try:
            erase(user=person, by=request.user, delete_files=form.cleaned_data["delete_files"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The person is erased."))
            if person.organization_id:
                return redirect("desk:organization", pk=person.organization_id)
            return redirect("desk:team")
    nav = "clients" if person.organization_id else "team"
    return render(request, "desk/person_erase.html", {"nav": nav, "person": person, "form": form})
