"""Monitoring alerts become tickets: every write of the alerts app.

One alert (organization, dedup key) counts on one ticket while that ticket is not
closed. The first firing opens the ticket through the ticket services (the desk's
creation for a support team's token, the portal's for a client's); repeats only
count (with at most one internal note an hour, REPEAT_NOTE_EVERY); "resolved" adds
one internal note. A firing after "resolved" while the ticket is still not closed
counts on it again (a note says it fires again): a flapping alert stays one ticket.
Once an agent closed the ticket, the next firing opens a new one.

An alert storm is one ticket because the database says so: a partial unique
constraint allows one open group per key; the group's row is locked while it is
counted; two first firings at once both try to insert it, the loser's transaction
(its ticket too) is rolled back, and it retries, counting into the winner's group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Organization, User
from ecmp.alerts.models import DEDUP_KEY_MAX, EXCERPT_MAX, AlertGroup, AlertMapping
from ecmp.core.access import is_staff_member, require_admin
from ecmp.tickets.models import Ticket
from ecmp.tickets.selectors import ticket_visible_to
from ecmp.tickets.services import ticket_reply
from ecmp.tickets.services.common import SUBJECT_MAX
from ecmp.tickets.services.conversation import ticket_note_for_team
from ecmp.tickets.services.create import (
    may_request_tickets,
    ticket_create,
    ticket_create_for_caller,
)
from ecmp.tickets.status import Channel, Priority, Status

FIRING = "firing"
RESOLVED = "resolved"
# Repeats of an open alert: counted on its group, and told in an internal note at most
# this often, so that a storm does not bury the ticket's thread.
REPEAT_NOTE_EVERY = timedelta(hours=1)
# A storm's concurrent first firings: each loser retries once the winner committed.
ATTEMPTS = 5
# Monitoring tools' words for how bad it is (Alertmanager's `severity` label,
# Zabbix's and Nagios' levels), lower-cased; anything else is Normal.
SEVERITY_PRIORITY = {
    "critical": Priority.URGENT,
    "crit": Priority.URGENT,
    "disaster": Priority.URGENT,
    "emergency": Priority.URGENT,
    "page": Priority.URGENT,
    "fatal": Priority.URGENT,
    "high": Priority.HIGH,
    "error": Priority.HIGH,
    "major": Priority.HIGH,
    "warning": Priority.NORMAL,
    "warn": Priority.NORMAL,
    "average": Priority.NORMAL,
    "minor": Priority.NORMAL,
    "info": Priority.LOW,
    "information": Priority.LOW,
    "low": Priority.LOW,
    "none": Priority.LOW,
}
# The channel of an alert's ticket: Channel has no "monitoring" (adding one is a
# schema change of tickets); the alert came in over the web, as the API's tickets do.
ALERT_CHANNEL = Channel.WEB


class Outcome:
    OPENED = "opened"  # a new ticket
    COUNTED = "counted"  # one more firing on the open ticket
    RESOLVED = "resolved"  # the note is written
    IGNORED = "ignored"  # "resolved" for nothing open, or resolved already


@dataclass(frozen=True)
class AlertResult:
    outcome: str
    ticket: Ticket | None
    count: int


def severity_priority(severity: str) -> int:
    return int(SEVERITY_PRIORITY.get(severity.strip().lower(), Priority.NORMAL))


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def alert_receive(
    *,
    by: User,
    organization: Organization,
    requester: User,
    dedup_key: str,
    title: str,
    description: str = "",
    severity: str = "",
    status: str = FIRING,
    starts_at: datetime | None = None,
    source: str = AlertGroup.Source.API,
    excerpt: str = "",
) -> AlertResult:
    """Count one alert of `organization` on its ticket (opened by the first firing).

    `by` is the token's owner: a client posts for themself, the support team for the
    client user `requester` (found by the selectors: the body or a mapping)."""
    if is_staff_member(by):
        pass
    elif by.pk != requester.pk:
        raise PermissionDenied
    if requester.organization_id != organization.pk or not may_request_tickets(requester):
        raise ValidationError(
            _("The requester must be an active user of this client company."), code="requester"
        )
    if status not in (FIRING, RESOLVED):
        raise ValidationError(_("An alert's status is firing or resolved."), code="status")
    dedup_key = dedup_key.strip()
    if not dedup_key or len(dedup_key) > DEDUP_KEY_MAX:
        raise ValidationError(
            _("Give the alert a dedup key of at most %(max)s characters.") % {"max": DEDUP_KEY_MAX},
            code="dedup_key",
        )
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _receive(
                    by=by,
                    organization=organization,
                    requester=requester,
                    dedup_key=dedup_key,
                    title=title,
                    description=description,
                    severity=severity.strip()[:50],
                    status=status,
                    starts_at=starts_at,
                    source=source,
                    excerpt=excerpt[:EXCERPT_MAX],
                )
        except IntegrityError:
            # Another first firing of this key won the race for the open group (the
            # unique constraint): read it again, it is committed now.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _receive(
    *,
    by: User,
    organization: Organization,
    requester: User,
    dedup_key: str,
    title: str,
    description: str,
    severity: str,
    status: str,
    starts_at: datetime | None,
    source: str,
    excerpt: str,
) -> AlertResult:
    now = timezone.now()
    group = (
        AlertGroup.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .filter(organization=organization, dedup_key=dedup_key, open=True)
        .first()
    )
    if group is not None and (group.ticket.status == Status.CLOSED or group.ticket.is_archived):
        # An agent closed it: this alert's story on that ticket is over.
        group.open = False
        group.save(update_fields=["open"])
        group = None
    if group is not None and not is_staff_member(by) and not ticket_visible_to(by, group.ticket):
        # The same key from a colleague's token (the company's alert, another user's
        # ticket): counting on it would tell this client of a ticket they may not see.
        raise ValidationError(
            _(
                "This dedup key is already used by an alert of another user of your "
                "company: give this alert another key."
            ),
            code="dedup_key",
        )
    if status == RESOLVED:
        if group is None or group.resolved_at is not None:
            # Alertmanager repeats its resolved notices: nothing more to say.
            return AlertResult(
                Outcome.IGNORED, group.ticket if group else None, group.count if group else 0
            )
        group.resolved_at = now
        group.last_seen = now
        group.last_payload = excerpt or group.last_payload
        group.save(update_fields=["resolved_at", "last_seen", "last_payload"])
        _note(
            group.ticket,
            by,
            ngettext(
                "Resolved at %(time)s after %(count)s alert.",
                "Resolved at %(time)s after %(count)s alerts.",
                group.count,
            )
            % {"time": _when(now), "count": group.count},
        )
        return AlertResult(Outcome.RESOLVED, group.ticket, group.count)
    if group is None:
        ticket = _ticket_open(
            by=by,
            requester=requester,
            dedup_key=dedup_key,
            title=title,
            description=description,
            severity=severity,
            starts_at=starts_at or now,
        )
        # The insert the race is decided on: IntegrityError for all but one.
        group = AlertGroup.objects.create(
            organization=organization,
            dedup_key=dedup_key,
            ticket=ticket,
            source=source,
            posted_by=by,
            first_seen=now,
            last_seen=now,
            noted_at=now,
            severity=severity,
            last_payload=excerpt,
        )
        return AlertResult(Outcome.OPENED, ticket, 1)
    group.count += 1  # the row is locked: no firing is lost
    group.last_seen = now
    group.severity = severity or group.severity
    group.last_payload = excerpt or group.last_payload
    if group.resolved_at is not None:
        group.resolved_at = None
        note = _("The alert fires again (%(count)s alerts in all).") % {"count": group.count}
    elif now - group.noted_at >= REPEAT_NOTE_EVERY:
        note = ngettext(
            "The alert fired %(new)s more time since %(time)s: %(count)s in all.",
            "The alert fired %(new)s more times since %(time)s: %(count)s in all.",
            group.count - group.noted_count,
        ) % {
            "new": group.count - group.noted_count,
            "time": _when(group.noted_at),
            "count": group.count,
        }
    else:
        note = ""
    if note:
        group.noted_count, group.noted_at = group.count, now
        _note(group.ticket, by, note)
    group.save()
    return AlertResult(Outcome.COUNTED, group.ticket, group.count)


def _ticket_open(
    *,
    by: User,
    requester: User,
    dedup_key: str,
    title: str,
    description: str,
    severity: str,
    starts_at: datetime,
) -> Ticket:
    """The ticket of a first firing, with the alert's text as its first message.

    `acknowledge=False`: a machine wrote it; no automatic answer is mailed."""
    subject = " ".join(title.split())[:SUBJECT_MAX] or dedup_key[:SUBJECT_MAX]
    facts = [
        _("Monitoring alert: %(key)s") % {"key": dedup_key},
        _("Started: %(time)s") % {"time": _when(starts_at)},
    ]
    if severity:
        facts.append(_("Severity: %(severity)s") % {"severity": severity})
    text = "\n\n".join(part for part in (description.strip(), "\n".join(facts)) if part)
    priority = severity_priority(severity)
    if is_staff_member(by):
        return ticket_create_for_caller(
            by=by,
            requester=requester,
            subject=subject,
            description=text,
            priority=priority,
            channel=ALERT_CHANNEL,
            acknowledge=False,
        )
    return ticket_create(
        requester=requester,
        subject=subject,
        description=text,
        priority=priority,
        channel=ALERT_CHANNEL,
        acknowledge=False,
    )


def _note(ticket: Ticket, author: User, body: str) -> None:
    """An internal note about the alert, never shown to the client.

    The support team's token writes it through `ticket_reply`; a client's token
    through `ticket_note_for_team`, the tool's note for the team (ticket_reply
    refuses a customer's internal note)."""
    if is_staff_member(author):
        ticket_reply(ticket=ticket, author=author, body=body, internal=True)
        return
    ticket_note_for_team(ticket=ticket, author=author, body=body)


# --- The admins' label mappings (desk/alert_views.py) ---------------------------

AUDIT_KIND = AuditEvent.Kind.ALERT_MAPPING_CHANGED
LABEL_MAX = 100
VALUE_MAX = 200


def alert_mapping_create(
    *, by: User, label: str, value: str, organization: Organization, requester: User
) -> AlertMapping:
    """Alerts labelled `label=value` open their tickets for `requester` of `organization`."""
    require_admin(by)
    label, value = label.strip(), value.strip()
    if not label or not value or len(label) > LABEL_MAX or len(value) > VALUE_MAX:
        raise ValidationError(_("Give a label and a value."), code="label")
    if requester.organization_id != organization.pk or not may_request_tickets(requester):
        raise ValidationError(
            _("The requester must be an active user of this client company."), code="requester"
        )
    try:
        with transaction.atomic():
            mapping = AlertMapping.objects.create(
                label=label, value=value, organization=organization, requester=requester
            )
            audit_record(
                AUDIT_KIND,
                actor=by,
                target=mapping,
                changes={
                    "organization": [None, organization.name],
                    "requester": [None, requester.email],
                },
                detail="created",
            )
    except IntegrityError:
        raise ValidationError(
            _("There is already a mapping for %(label)s=%(value)s.")
            % {"label": label, "value": value},
            code="duplicate",
        ) from None
    return mapping


def alert_mapping_delete(*, by: User, mapping: AlertMapping) -> None:
    require_admin(by)
    with transaction.atomic():
        audit_record(AUDIT_KIND, actor=by, target=mapping, detail="deleted")
        mapping.delete()
