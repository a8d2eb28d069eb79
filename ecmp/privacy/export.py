"""A person's copy of their data: a ZIP with data.json and the files they uploaded."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.accounts.removal_models import RemovalRequest
from ecmp.billing.models import TimeEntry
from ecmp.core.access import is_admin
from ecmp.notifications.models import Notification
from ecmp.tickets.attachments import clean_filename
from ecmp.tickets.models import Attachment, Message, Ticket

# Kept in memory up to this size, then in a temporary file on disk: an export
# with years of screenshots never sits in the worker's memory.
SPOOL_BYTES = 8 * 1024 * 1024
FORMAT_VERSION = 1


def may_export(*, by: User, user: User) -> bool:
    """Everyone may take a copy of their own data; an admin anyone's."""
    if not by.is_active:
        return False
    return by.pk == user.pk or is_admin(by)


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "username": user.username,
        "full_name": user.full_name,
        "organization": user.organization.name if user.organization else None,
        "role": user.role,
        "team_manager": user.is_team_manager,
        "language": user.language,
        "active": user.is_active,
        "registered": _when(user.date_joined),
        "activated": _when(user.activated_at),
        "last_sign_in": _when(user.last_login),
    }


def _tickets(user: User) -> list[dict[str, Any]]:
    tickets = (
        Ticket.objects.filter(requester=user)
        .select_related("organization")
        .defer("search_document")
        .order_by("number")
    )
    return [
        {
            "number": t.number,
            "subject": t.subject,
            "description": t.description,
            "status": t.status,
            "priority": t.priority,
            "channel": t.channel,
            "organization": t.organization.name if t.organization else None,
            "created": _when(t.created_at),
            "closed": _when(t.closed_at),
        }
        for t in tickets
    ]


def _messages(user: User) -> list[dict[str, Any]]:
    # The person's copy: the public conversation of their tickets and what they
    # wrote elsewhere; internal notes are the support team's, never part of it.
    messages = (
        Message.objects.filter(Q(ticket__requester=user) | Q(author=user), internal=False)
        .select_related("ticket", "author")
        .only("body", "created_at", "author__full_name", "author_id", "ticket__number")
        .order_by("ticket__number", "created_at", "id")
    )
    return [
        {
            "ticket": m.ticket.number,
            "author": m.author.full_name,
            "written_by_you": m.author_id == user.pk,
            "written": _when(m.created_at),
            "text": m.body,
        }
        for m in messages
    ]


def _attachments(user: User) -> list[Attachment]:
    return list(
        Attachment.objects.filter(uploaded_by=user)
        .exclude(message__internal=True)
        .select_related("ticket")
        .only(
            "file",
            "original_name",
            "size",
            "content_type",
            "created_at",
            "message_id",
            "ticket__number",
        )
        .order_by("id")
    )


def _time_entries(user: User) -> list[dict[str, Any]]:
    entries = (
        TimeEntry.objects.filter(Q(ticket__requester=user) | Q(agent=user))
        .select_related("ticket", "activity_type")
        .only("date", "minutes", "billable", "agent_id", "ticket__number", "activity_type__name")
        .order_by("date", "id")
    )
    return [
        {
            "ticket": e.ticket.number,
            "date": _when(e.date),
            "minutes": e.minutes,
            "activity": e.activity_type.name,
            "billable": e.billable,
            "logged_by_you": e.agent_id == user.pk,
        }
        for e in entries
    ]


def _notifications(user: User) -> list[dict[str, Any]]:
    notifications = (
        Notification.objects.filter(recipient=user)
        .select_related("ticket", "event")
        .only("created_at", "read_at", "ticket__number", "event__kind")
        .order_by("created_at", "id")
    )
    return [
        {
            "ticket": n.ticket.number,
            "event": n.event.kind,
            "created": _when(n.created_at),
            "viewed": _when(n.read_at),
        }
        for n in notifications
    ]


def _removal_requests(user: User) -> list[dict[str, Any]]:
    """Requests to remove this person from their organization, and those they made
    as a team manager: both hold what was written about or by them."""
    requests = (
        RemovalRequest.objects.filter(Q(person=user) | Q(requested_by=user))
        .select_related("person", "requested_by")
        .order_by("created_at", "id")
    )
    return [
        {
            "about": "you" if r.person_id == user.pk else r.person.full_name,
            "requested_by": "you" if r.requested_by_id == user.pk else r.requested_by.full_name,
            "reason": r.reason,
            "status": r.status,
            "requested": _when(r.created_at),
            "decided": _when(r.decided_at),
            "why_declined": r.decline_reason,
        }
        for r in requests
    ]


def _zip_name(attachment: Attachment) -> str:
    return f"attachments/{attachment.pk}-{clean_filename(attachment.original_name)}"


def personal_data_export(*, user: User, by: User) -> IO[bytes]:
    """The ZIP of a person's data, rewound, in a spooled temporary file (the caller
    closes it). Recorded in the audit log. A fixed number of queries, whatever the
    number of tickets; the files are read from storage one at a time."""
    if not may_export(by=by, user=user):
        raise PermissionDenied
    attachments = _attachments(user)
    files: list[dict[str, Any]] = []
    spool: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attachment in attachments:
            entry: dict[str, Any] = {
                "ticket": attachment.ticket.number,
                "name": attachment.original_name,
                "size": attachment.size,
                "type": attachment.content_type,
                "uploaded": _when(attachment.created_at),
                "file": _zip_name(attachment),
            }
            try:
                with attachment.file.open("rb") as source, archive.open(entry["file"], "w") as out:
                    while chunk := source.read(1024 * 1024):
                        out.write(chunk)
            except OSError:
                # A file lost from storage: say so rather than fail the whole copy.
                entry["file"] = None
            files.append(entry)
        data: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "exported": _when(timezone.now()),
            "profile": _profile(user),
            "tickets": _tickets(user),
            "messages": _messages(user),
            "attachments": files,
            "time_entries": _time_entries(user),
            "notifications": _notifications(user),
            "removal_requests": _removal_requests(user),
        }
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
    audit_record(
        AuditEvent.Kind.DATA_EXPORTED,
        actor=by,
        target=user,
        detail=(
            f"{len(data['tickets'])} ticket(s), {len(data['messages'])} message(s), "
            f"{len(files)} file(s)"
        ),
    )
    spool.seek(0)
    return spool
