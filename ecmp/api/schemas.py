"""What the API reads and writes, as typed schemas (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

StatusName = Literal["new", "open", "wait", "closed"]
ChannelName = Literal["web", "email", "phone", "on_site", "chat"]


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    code: str | None = None
    errors: list[dict[str, Any]] | None = None


class Named(Schema):
    id: int
    name: str


class TicketSummary(Schema):
    number: int
    subject: str
    status: StatusName
    priority: int = Field(description="1 low, 2 normal, 3 high, 4 urgent")
    channel: ChannelName
    requester: Named
    organization: Named
    assignee: Named | None
    category: Named | None
    created_at: datetime
    last_activity_at: datetime
    waiting_for_customer: bool
    archived: bool
    version: int = Field(description="Raised by every change; the ETag of the ticket")


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class MessageOut(Schema):
    id: int
    author: Named
    body: str
    internal: bool
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketDetail(TicketSummary):
    description: str
    attachments: list[AttachmentOut] = Field(description="The files given with the ticket")
    requested_priority: int
    closed_at: datetime | None
    first_response_at: datetime | None
    due_at: datetime | None = Field(description="The next SLA deadline (support team only)")
    messages: list[MessageOut]


class TicketPage(Schema):
    items: list[TicketSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class TicketCreate(Schema):
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=100_000)
    priority: int = Field(2, ge=1, le=4)
    category: int | None = Field(None, ge=1, le=2_147_483_647)
    requester: int | None = Field(
        None,
        ge=1,
        le=2_147_483_647,
        description="Support team only, required for them: the client user the ticket is for",
    )
    channel: ChannelName = Field("web", description="Support team only: how the request came in")


class MessageCreate(Schema):
    body: str = Field(min_length=1, max_length=100_000)


class CloseIn(Schema):
    note: str = Field("", max_length=100_000, description="A public note on how it was resolved")


class AssignIn(Schema):
    assignee: int | None = Field(
        None, ge=1, le=2_147_483_647, description="An agent's id; null to unassign"
    )


class PriorityIn(Schema):
    priority: int = Field(ge=1, le=4)
    reason: str = Field(min_length=1, max_length=10_000, description="An internal note")


class CategoryIn(Schema):
    category: int | None = Field(None, ge=1, le=2_147_483_647)


class CannedReplyOut(Schema):
    id: int
    title: str
    body: str
    language: str
    shared: bool
