"""The service levels as the ticket services read them: kept in each process.

Every new ticket and every reply reads the targets and the calendar; they change a
few times a year. Each process keeps one copy for `KEPT_SECONDS`: a change clears
the copy of the process that made it at once (signals, connected in `apps.py`), and
reaches the others (web processes, workers) within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from ecmp.sla.calendar import BusinessCalendar
from ecmp.sla.contract_selectors import contract_in_force_id
from ecmp.sla.models import (
    BusinessHours,
    Contract,
    ContractHours,
    ContractTarget,
    Holiday,
    SlaTarget,
)

KEPT_SECONDS = 30.0


@dataclass(frozen=True)
class _ContractLevels:
    targets: dict[int, ContractTarget]
    calendar: BusinessCalendar


@dataclass(frozen=True)
class _Levels:
    targets: dict[int, SlaTarget]
    calendar: BusinessCalendar
    time_zone: str
    # The organizations with a contract: a ticket of any other costs no query more.
    contract_organizations: frozenset[int] = frozenset()
    # Each contract's own levels, read when a ticket first needs them.
    contracts: dict[int, _ContractLevels] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.monotonic)


_kept: _Levels | None = None
# Bumped by every change: a copy loaded while a change was committed is not kept.
_generation = 0
_lock = threading.Lock()


def _load() -> _Levels:
    return _Levels(
        targets={target.priority: target for target in SlaTarget.objects.all()},
        calendar=BusinessCalendar(
            hours={row.weekday: (row.opens, row.closes) for row in BusinessHours.objects.all()},
            holidays=frozenset(Holiday.objects.values_list("day", flat=True)),
            tz=ZoneInfo(settings.TIME_ZONE),
        ),
        time_zone=settings.TIME_ZONE,
        contract_organizations=frozenset(
            Contract.objects.values_list("organization_id", flat=True).distinct()
        ),
    )


def _changing_them() -> bool:
    """Whether this transaction changed the levels: it waits to forget them on commit."""
    return connection.in_atomic_block and any(
        # Each entry is (savepoints, callback, robust); django-stubs says pairs, so by index.
        entry[1] is forget_levels
        for entry in connection.run_on_commit
    )


def _levels() -> _Levels:
    global _kept
    if _changing_them():
        return _load()  # its own rows, not yet everyone's: read, never kept
    levels = _kept
    if (
        levels is None
        or levels.time_zone != settings.TIME_ZONE
        or time.monotonic() - levels.loaded_at > KEPT_SECONDS
    ):
        generation = _generation
        levels = _load()
        with _lock:
            if generation == _generation:
                _kept = levels
    return levels


def levels_changed(**_signal_arguments: object) -> None:
    """Forget the copy now, read afresh until the change's transaction ends, and
    forget again once it is committed (what other threads read meanwhile)."""
    forget_levels()
    transaction.on_commit(forget_levels)


def forget_levels() -> None:
    global _kept, _generation
    with _lock:
        _generation += 1
        _kept = None


def _contract_levels(levels: _Levels, contract_id: int) -> _ContractLevels:
    kept = levels.contracts.get(contract_id)
    if kept is None:
        hours = {
            row.weekday: (row.opens, row.closes)
            for row in ContractHours.objects.filter(contract_id=contract_id)
        }
        kept = _ContractLevels(
            targets={
                target.priority: target
                for target in ContractTarget.objects.filter(contract_id=contract_id)
            },
            # Its own opening hours, or the default ones; holidays stay everyone's.
            calendar=BusinessCalendar(
                hours=hours, holidays=levels.calendar.holidays, tz=levels.calendar.tz
            )
            if hours
            else levels.calendar,
        )
        levels.contracts[contract_id] = kept
    return kept


def calendar_load(contract_id: int | None = None) -> BusinessCalendar:
    """The business calendar of a ticket: its contract's hours, else the default ones."""
    levels = _levels()
    if contract_id is None:
        return levels.calendar
    return _contract_levels(levels, contract_id).calendar


def sla_target_for(
    priority: int, contract_id: int | None = None
) -> SlaTarget | ContractTarget | None:
    """A priority's targets: its contract's own, else the default ones."""
    levels = _levels()
    if contract_id is not None:
        own = _contract_levels(levels, contract_id).targets.get(priority)
        if own is not None:
            return own
    return levels.targets.get(priority)


def default_levels() -> tuple[dict[int, SlaTarget], BusinessCalendar]:
    """The default targets per priority and calendar, in one read of the kept copy."""
    levels = _levels()
    return levels.targets, levels.calendar


def contract_for_new_ticket(organization_id: int, day: date) -> int | None:
    """The contract a ticket opened on `day` is held to; no query for a client without one."""
    if organization_id not in _levels().contract_organizations:
        return None
    return contract_in_force_id(organization_id, day)
