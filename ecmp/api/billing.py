"""/api/v1/invoices and a ticket's time, through billing's selectors; the support
team logs time through the time service, as the desk's composer does.

Invoices as the pages show them (`invoices_visible_to`): admins every one, a client's
team manager their company's, anybody else none (404 for one by id). The PDF and UBL
files are the ones the desk and the portal serve (`invoice_response`)."""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as Day
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as Reply
from pydantic import Field

from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth, write_auth
from ecmp.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, id_page
from ecmp.billing.activity_names import activity_label
from ecmp.billing.downloads import invoice_response
from ecmp.billing.duration import MAX_MINUTES
from ecmp.billing.models import ActivityType, Invoice, TimeEntry
from ecmp.billing.selectors import invoice_for, invoices_visible_to, time_entries_for_ticket
from ecmp.billing.services import time_entry_create
from ecmp.core.access import require_staff
from ecmp.tickets.selectors import access_ticket

router = Router()

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str = Field(description="invoice or credit_note")
    status: str = Field(description="issued, sent, partly_paid, paid or cancelled")
    organization: schemas.Named
    period_start: date
    period_end: date
    issue_date: date | None
    due_date: date | None
    currency: str
    total_net: Decimal
    total_vat: Decimal
    total_gross: Decimal
    payment_reference: str
    cancels: int | None = Field(description="The invoice a credit note cancels")


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


class Paging(Schema):
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class TimeEntryOut(Schema):
    id: int
    date: date
    minutes: int
    agent: schemas.Named
    activity: str
    description: str
    billable: bool
    invoiced: bool
    created_at: datetime


def _invoice(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "status": invoice.status,
        "organization": {"id": invoice.organization.pk, "name": invoice.organization.name},
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "total_net": invoice.total_net,
        "total_vat": invoice.total_vat,
        "total_gross": invoice.total_gross,
        "payment_reference": invoice.payment_reference,
        "cancels": invoice.cancels_id,
    }


@router.get(
    "/invoices",
    response={200: InvoicePage, **ERRORS},
    auth=read_auth,
    tags=["invoices"],
    summary="List invoices",
)
def invoice_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """In the order they were issued: every one for an admin, their company's for a
    client's team manager, none for anybody else."""
    rows, next_cursor = id_page(
        invoices_visible_to(caller(request)), cursor=paging.cursor, limit=paging.limit
    )
    return {"items": [_invoice(i) for i in rows], "next_cursor": next_cursor}


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceOut, **ERRORS},
    auth=read_auth,
    tags=["invoices"],
    summary="Read an invoice",
)
def invoice_read(request: HttpRequest, invoice_id: Id) -> dict[str, Any]:
    return _invoice(invoice_for(caller(request), invoice_id))


def _file_responses(media_type: str, what: str) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        "responses": {
            "200": {
                "description": what,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            },
            **{str(code): {"description": "A problem", "content": problem} for code in ERRORS},
        }
    }


@router.get(
    "/invoices/{invoice_id}/pdf",
    auth=read_auth,
    tags=["invoices"],
    summary="Download an invoice's PDF",
    openapi_extra=_file_responses("application/pdf", "The PDF (Factur-X), in your language"),
)
def invoice_pdf(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = invoice_for(caller(request), invoice_id)
    return invoice_response(invoice, "pdf", language=get_language() or "en")


@router.get(
    "/invoices/{invoice_id}/ubl",
    auth=read_auth,
    tags=["invoices"],
    summary="Download an invoice's UBL (Peppol BIS 3)",
    openapi_extra=_file_responses("application/xml", "The UBL 2.1 file, for accounting"),
)
def invoice_ubl(request: HttpRequest, invoice_id: Id) -> HttpResponse:
    invoice = invoice_for(caller(request), invoice_id)
    return invoice_response(invoice, "ubl", language=get_language() or "en")


@router.get(
    "/tickets/{number}/time-entries",
    response={200: list[TimeEntryOut], **ERRORS},
    auth=read_auth,
    tags=["tickets"],
    summary="A ticket's time (support team)",
)
def ticket_time_entries(
    request: HttpRequest, number: Annotated[int, Field(ge=1, le=2_147_483_647)]
) -> list[dict[str, Any]]:
    """The time logged on the ticket, newest first."""
    user = caller(request)
    require_staff(user)
    ticket = access_ticket(user, number)
    return [_entry(entry) for entry in time_entries_for_ticket(ticket)[:1000]]


class TimeEntryIn(Schema):
    minutes: int = Field(ge=1, le=MAX_MINUTES, description="The time spent, in minutes")
    activity: Id = Field(description="An activity type's id (the desk's activities)")
    # Named `day` here (a field named `date` would hide the type `date` in its own
    # annotation); `date` on the wire.
    day: Day | None = Field(
        None, alias="date", description="The day of the work; today when left out"
    )
    description: str = Field("", max_length=500)
    billable: bool | None = Field(None, description="The activity's default when left out")


def _entry(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "date": entry.date,
        "minutes": entry.minutes,
        "agent": {"id": entry.agent.pk, "name": entry.agent.full_name},
        "activity": activity_label(entry.activity_type.name),
        "description": entry.description,
        "billable": entry.billable,
        "invoiced": entry.invoice_id is not None,
        "created_at": entry.created_at,
    }


@router.post(
    "/tickets/{number}/time-entries",
    response={201: TimeEntryOut, **ERRORS},
    auth=write_auth,
    tags=["tickets"],
    summary="Log time on a ticket (support team)",
)
def ticket_time_entry_new(
    request: HttpRequest,
    number: Annotated[int, Field(ge=1, le=2_147_483_647)],
    data: TimeEntryIn,
) -> Reply[dict[str, Any]]:
    """Time spent by the token's owner, as the desk logs it: never in the future, one
    minute to a day; billable as the activity says unless told."""
    user = caller(request)
    require_staff(user)
    ticket = access_ticket(user, number)
    activity = ActivityType.objects.filter(pk=data.activity, active=True).first()
    if activity is None:
        raise ValidationError(_("Unknown activity."), code="activity")
    entry = time_entry_create(
        ticket=ticket,
        agent=user,
        day=data.day or timezone.localdate(),
        minutes=data.minutes,
        activity_type=activity,
        description=data.description,
        billable=activity.billable_by_default if data.billable is None else data.billable,
    )
    return Reply(201, _entry(entry))
