"""/api/v1: a ticket's files, the categories, the canned replies (read only).

Files come through the web's selectors (`attachment_for_customer`: never a note's
file nor a raw original; `attachment_for_staff`) and its download response (sniffed
again, never run by a browser)."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import File, Form, Router, UploadedFile
from ninja.responses import Status as Reply
from pydantic import Field

from ecmp.api import schemas
from ecmp.api.auth import caller, read_auth, write_auth
from ecmp.api.tickets import WRITE_ERRORS, if_match, ticket_document
from ecmp.core.access import is_staff_member
from ecmp.tickets.category_selectors import categories_active
from ecmp.tickets.downloads import attachment_response
from ecmp.tickets.selectors import (
    access_ticket,
    attachment_for_customer,
    attachment_for_staff,
    canned_replies_visible_to,
)
from ecmp.tickets.services import ticket_reply

router = Router()

P = schemas.Problem
ERRORS: dict[int, Any] = {401: P, 403: P, 404: P, 422: P, 429: P}
NUMBER = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=NUMBER)]

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_FILE_RESPONSES = {
    "200": {
        "description": "The file: an image is shown inline, anything else is a download",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    },
    **{str(code): {"description": "A problem", "content": _PROBLEM} for code in ERRORS},
}


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    auth=read_auth,
    tags=["tickets"],
    summary="Download a file",
    openapi_extra={"responses": _FILE_RESPONSES},
)
def attachment_download(request: HttpRequest, number: Id, attachment_id: Id) -> HttpResponseBase:
    """A file of the ticket (ids in the ticket's `messages[].attachments` and
    `attachments`). A customer never gets an internal note's file: 404."""
    user = caller(request)
    find = attachment_for_staff if is_staff_member(user) else attachment_for_customer
    return attachment_response(find(user, number, attachment_id))


# As many files as the portal's message form takes at once.
FILES_MAX = 10


@router.post(
    "/tickets/{number}/messages",
    response={201: schemas.TicketDetail, **WRITE_ERRORS},
    auth=write_auth,
    tags=["tickets"],
    summary="Reply or note with files (multipart)",
)
def ticket_message_upload(
    request: HttpRequest,
    number: Id,
    response: HttpResponse,
    body: Form[str],
    internal: Form[bool] = False,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja: optional files
) -> Reply[dict[str, Any]]:
    """`multipart/form-data`: `body`, `files` (up to 10, the portal's limits on size
    and type), and for the support team `internal` (a note)."""
    user = caller(request)
    version = if_match(request)
    uploads = list(files or [])
    if len(uploads) > FILES_MAX:
        raise ValidationError(
            _("Send at most %(count)s files at once.") % {"count": FILES_MAX}, code="files"
        )
    ticket = access_ticket(user, number)
    ticket_reply(
        ticket=ticket,
        author=user,
        body=body,
        files=uploads,
        internal=internal,
        version=version,
    )
    return Reply(201, ticket_document(user, number, response))


@router.get(
    "/categories",
    response={200: list[schemas.Named], **ERRORS},
    auth=read_auth,
    tags=["categories"],
    summary="List the categories in use",
)
def category_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The active categories, in the admins' order, named in the request's language
    (`Accept-Language`)."""
    return [{"id": category.pk, "name": category.label()} for category in categories_active()]


@router.get(
    "/canned-replies",
    response={200: list[schemas.CannedReplyOut], **ERRORS},
    auth=read_auth,
    tags=["canned replies"],
    summary="List canned replies (support team)",
)
def canned_reply_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The shared canned replies and the agent's own (placeholders unfilled); none
    for a customer."""
    replies = canned_replies_visible_to(caller(request)).order_by("title", "id")[:1000]
    return [
        {
            "id": reply.pk,
            "title": reply.title,
            "body": reply.body,
            "language": reply.language,
            "shared": reply.owner_id is None,
        }
        for reply in replies
    ]
