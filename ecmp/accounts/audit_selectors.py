"""Reading the audit log: admins only, filtered in the database, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from ipaddress import ip_address
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from ecmp.accounts.models import AuditEvent, User
from ecmp.core.access import require_admin
from ecmp.core.prepared import Counted, Prepared
from ecmp.core.prepared_rows import ConvertedRead


@dataclass(frozen=True)
class AuditFilters:
    """What the desk's audit page narrows the log to; empty values filter nothing."""

    kind: str = ""
    person: str = ""
    target_type: str = ""
    since: date | None = None
    until: date | None = None
    address: str = ""


def _start_of(day: date) -> datetime:
    # Days are those of the desk's time zone, as the page shows the times; bounds
    # on `at` itself keep the (-at, -id) index usable. The calendar's first day
    # starts before year 1 in UTC, which no datetime holds: no event is that old,
    # the second day bounds the same events.
    day = max(day, date.min + timedelta(days=1))
    return timezone.make_aware(datetime.combine(day, time.min))


def _address_lookup(text: str) -> Q:
    """A whole address finds itself; the start of one finds a network ("192.168.1.")."""
    try:
        return Q(address=str(ip_address(text)))
    except ValueError:
        return Q(address__startswith=text)


def audit_event_list_for_admin(
    user: User, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent]:
    """The events an admin asked for. Everything shown comes from the event row
    itself (labels are kept as written), so a page costs one query."""
    require_admin(user)
    filters = filters or AuditFilters()
    events = AuditEvent.objects.all()
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.person:
        events = events.filter(
            Q(actor_label__icontains=filters.person) | Q(target_label__icontains=filters.person)
        )
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.since:
        events = events.filter(at__gte=_start_of(filters.since))
    # Until the calendar's last day: there is no next day to stop before.
    if filters.until and filters.until < date.max:
        events = events.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    if filters.address:
        events = events.filter(_address_lookup(filters.address))
    return events.order_by("-at", "-id")


class AuditRow(NamedTuple):
    """An event as the audit page shows it, its cells computed once (desk/audit_log.html)."""

    at_machine: str  # the `datetime` attribute: ISO 8601, local time
    at_text: str  # Y-m-d H:i:s, local time
    kind_label: str
    actor_label: str
    address: str | None
    target_type: str
    target_id: str
    target_label: str
    changes: dict[str, Any]
    detail: str


_SHOWN = (
    "at",
    "kind",
    "actor_label",
    "address",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "detail",
)


def audit_row_list_for_admin(
    user: User, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent, tuple[Any, ...]]:
    """`audit_event_list_for_admin` with only the shown columns, as tuples (no model
    per row); `audit_rows` turns a page of them into the page's rows."""
    return audit_event_list_for_admin(user, filters).values_list(*_SHOWN)


@lru_cache(maxsize=16)
def _kind_labels(language: str | None) -> dict[str, str]:
    # Code only (the kinds' labels in one language), translated once per process.
    return {value: str(label) for value, label in AuditEvent.Kind.choices}


def audit_rows(rows: Iterable[tuple[Any, ...]]) -> list[AuditRow]:
    """A page of `audit_row_list_for_admin`'s tuples as rows: the kind's label (as
    `get_kind_display`) and the local time's two strings (as the `date` filter's
    "c" and "Y-m-d H:i:s")."""
    labels = _kind_labels(get_language())
    zone = timezone.get_current_timezone()
    out = []
    for at, kind, actor, address, ttype, tid, tlabel, changes, detail in rows:
        local = timezone.localtime(at, zone)
        out.append(
            AuditRow(
                local.isoformat(),
                local.strftime("%Y-%m-%d %H:%M:%S"),
                labels.get(kind, kind),
                actor,
                address,
                ttype,
                tid,
                tlabel,
                changes,
                detail,
            )
        )
    return out


# The page without filters (what an admin opens): its first page and its count
# compiled once per process and size (core/prepared.py); the values converted as the
# ORM converts them (the instant, the changes' JSON).


@lru_cache(maxsize=8)
def _latest(size: int) -> ConvertedRead:
    return ConvertedRead(
        lambda: AuditEvent.objects.order_by("-at", "-id").values_list(*_SHOWN)[:size], ()
    )


@lru_cache(maxsize=8)
def _counted(cap: int) -> Prepared:
    return Counted(lambda: AuditEvent.objects.order_by().values("pk")[: cap + 1], ())


def audit_rows_unfiltered(user: User, offset: int, size: int) -> list[tuple[Any, ...]]:
    """`size` tuples of `audit_row_list_for_admin(user)` from `offset`: the first page
    through a statement compiled once, a later one through the ORM."""
    require_admin(user)
    if offset == 0:
        return _latest(size).rows()
    return list(audit_row_list_for_admin(user)[offset : offset + size])


def audit_count_unfiltered(user: User, cap: int) -> int:
    """How many events the log holds, counted up to `cap` + 1."""
    require_admin(user)
    return int(_counted(cap).rows()[0][0])
