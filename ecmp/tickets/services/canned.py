"""Canned replies: the library's writes, and filling one in for a ticket.

Shared replies are the admins' to write; an agent writes their own. Filling in
is a lookup of known names only: nothing typed in a reply is ever evaluated."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.models import User
from ecmp.core.access import is_admin, is_staff_member, require_admin, require_staff
from ecmp.tickets.models import CannedReply, Ticket
from ecmp.tickets.selectors import canned_replies_visible_to, ticket_visible_to

PLACEHOLDERS = (
    "customer_first_name",
    "customer_name",
    "ticket_number",
    "ticket_subject",
    "agent_name",
)
# {name}: letters, digits and underscores only, so {ticket.requester.password}
# or {0.__class__} never even look like a placeholder.
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def canned_reply_may_edit(by: User, reply: CannedReply) -> bool:
    """Shared replies: admins; a personal one: its owner."""
    if reply.is_shared:
        return is_admin(by)
    return reply.owner_id == by.pk and is_staff_member(by)


def _clean(title: str, body: str, language: str) -> tuple[str, str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationError(_("A canned reply needs a title and a text."), code="empty")
    if language not in ("en", "fr"):
        raise ValidationError(_("Choose English or French."), code="language")
    return title, body, language


@transaction.atomic
def canned_reply_create(
    *, by: User, title: str, body: str, language: str, shared: bool = False
) -> CannedReply:
    if shared:
        require_admin(by)
    else:
        require_staff(by)
    title, body, language = _clean(title, body, language)
    return CannedReply.objects.create(
        title=title, body=body, language=language, owner=None if shared else by
    )


@transaction.atomic
def canned_reply_update(
    *, by: User, reply: CannedReply, title: str, body: str, language: str
) -> CannedReply:
    if not canned_reply_may_edit(by, reply):
        raise PermissionDenied
    reply.title, reply.body, reply.language = _clean(title, body, language)
    reply.updated_at = timezone.now()
    reply.save(update_fields=["title", "body", "language", "updated_at"])
    return reply


@transaction.atomic
def canned_reply_delete(*, by: User, reply: CannedReply) -> None:
    if not canned_reply_may_edit(by, reply):
        raise PermissionDenied
    reply.delete()


def canned_reply_fill(body: str, values: dict[str, str]) -> str:
    """The known placeholders replaced in one pass (a value that itself reads
    "{agent_name}" stays as it is); unknown ones left as typed."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), body)


def canned_reply_render(*, reply: CannedReply, ticket: Ticket, agent: User) -> str:
    """The reply's text filled in for this ticket, and one more use counted."""
    require_staff(agent)
    if not canned_replies_visible_to(agent).filter(pk=reply.pk).exists():
        raise PermissionDenied
    if not ticket_visible_to(agent, ticket):
        raise PermissionDenied
    requester = ticket.requester
    values = {
        "customer_first_name": requester.get_short_name(),
        "customer_name": requester.get_full_name(),
        "ticket_number": str(ticket.number),
        "ticket_subject": ticket.subject,
        "agent_name": agent.get_full_name(),
    }
    CannedReply.objects.filter(pk=reply.pk).update(usage_count=F("usage_count") + 1)
    return canned_reply_fill(reply.body, values)
