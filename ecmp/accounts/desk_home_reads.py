"""The desk home's latest invitations, in a statement compiled once per process
(`core/prepared.py`): through the ORM it cost the home about 1 ms on every view
(building and compiling the statement: three joins). It is its selector's read
(`invitation_list_for_staff`); nothing read is kept. (The pending registration
requests are counted with the menu's counts: desk/home_reads.py.)
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from ecmp.accounts.models import Invitation, Organization, User
from ecmp.accounts.selectors import invitation_list_for_staff
from ecmp.core.prepared import Prepared, prepared
from ecmp.core.prepared_rows import moment

_INVITATION = (
    *("pk", "created_at", "expires_at", "accepted_at", "revoked_at"),
    *("user_id", "user__full_name", "user__email", "user__activated_at"),
    *("user__organization_id", "user__organization__name"),
)


@lru_cache(maxsize=8)
def _latest(size: int) -> Prepared:
    return prepared(lambda: invitation_list_for_staff().values_list(*_INVITATION)[:size])


def _instant(value: Any) -> datetime:
    # A column that is never null.
    instant = moment(value)
    assert instant is not None
    return instant


def latest_invitations(size: int = 5) -> list[Invitation]:
    """The latest invitations as `invitation_list_for_staff()[:size]` gives them, with
    what the desk home shows of each: its dates, its user's name, address, activation
    and organization (built from the row: no model read of their own)."""
    invitations = []
    for row in _latest(size).rows():
        pk, created, expires, accepted, revoked = row[:5]
        user_id, full_name, email, activated, organization_id, organization_name = row[5:]
        organization = (
            Organization(pk=organization_id, name=organization_name)
            if organization_id is not None
            else None
        )
        user = User(
            pk=user_id,
            full_name=full_name,
            email=email,
            activated_at=moment(activated),
            organization=organization,
        )
        invitations.append(
            Invitation(
                pk=pk,
                user=user,
                created_at=_instant(created),
                expires_at=_instant(expires),
                accepted_at=moment(accepted),
                revoked_at=moment(revoked),
            )
        )
    return invitations
