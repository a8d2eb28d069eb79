"""The audit log (admins): browse, filter, export as CSV."""

from __future__ import annotations

import csv
from functools import lru_cache
from typing import Any, cast

from django import forms
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ecmp.accounts.audit_export import audit_csv_rows
from ecmp.accounts.audit_selectors import (
    AuditFilters,
    audit_count_unfiltered,
    audit_event_list_for_admin,
    audit_row_list_for_admin,
    audit_rows,
    audit_rows_unfiltered,
)
from ecmp.accounts.models import AuditEvent, Organization, User
from ecmp.accounts.requests import AuthenticatedHttpRequest
from ecmp.billing.models import Invoice
from ecmp.core.access import admin_required
from ecmp.core.paging import long_list_page, read_page
from ecmp.mail.models import InboundEmail
from ecmp.tickets.selectors import clean_search

# The kinds of object the services record events about, for the "Object" select.
AUDITED_MODELS = (User, Organization, InboundEmail, Invoice)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"), choices=[("", _("Any event")), *AuditEvent.Kind.choices], required=False
    )
    person = forms.CharField(label=_("Person"), required=False, max_length=100)
    target_type = forms.ChoiceField(label=_("Object"), required=False)
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=45)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["target_type"]).choices = [
            ("", _("Any object")),
            *((model._meta.model_name, model._meta.verbose_name) for model in AUDITED_MODELS),
        ]

    def clean_address(self) -> str:
        address = self.cleaned_data["address"].strip()
        if address.strip("0123456789abcdefABCDEF.:"):
            raise forms.ValidationError(_("An address has digits, dots and colons only."))
        return address

    def filters(self) -> AuditFilters:
        """The valid filters; one that is not (shown with its error) narrows nothing."""
        if not self.is_bound:
            return AuditFilters()
        self.is_valid()
        data = self.cleaned_data
        return AuditFilters(
            kind=data.get("kind") or "",
            person=clean_search(data.get("person"), limit=100),
            target_type=data.get("target_type") or "",
            since=data.get("since"),
            until=data.get("until"),
            address=data.get("address") or "",
        )


@lru_cache(maxsize=16)
def _kind_choices(language: str | None) -> tuple[tuple[str, str], ...]:
    # Code only: the Event select's forty labels in one language, translated once.
    choices = cast(forms.ChoiceField, AuditFilterForm.base_fields["kind"]).choices
    return tuple((str(value), str(label)) for value, label in cast(list[Any], choices))


@admin_required
@require_GET
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    if filters == AuditFilters():  # the whole log: its first page and count compiled once
        page, query_without_page = read_page(
            request,
            lambda offset, size: audit_rows_unfiltered(request.user, offset, size),
            lambda cap: audit_count_unfiltered(request.user, cap),
        )
    else:
        events = audit_row_list_for_admin(request.user, filters)
        page, query_without_page = long_list_page(request, events)
    page.object_list = audit_rows(page.object_list)
    context = {
        "nav": "audit",
        "form": form,
        "kind_choices": _kind_choices(get_language()),
        "page": page,
        "query_without_page": query_without_page,
    }
    return render(request, "desk/audit_log.html", context)


class _Echo:
    """csv.writer writes a row to this and gets the line back, to be streamed."""

    def write(self, value: str) -> str:
        return value


@admin_required
@require_GET
def audit_log_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The filtered events as CSV. Not itself recorded in the log: it changes nothing."""
    events = audit_event_list_for_admin(request.user, AuditFilterForm(request.GET).filters())
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(events)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
