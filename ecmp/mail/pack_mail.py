"""Alerts on a client's prepaid hours (80 %, 100 % used)."""

from __future__ import annotations

from collections.abc import Sequence

from ecmp.accounts.models import Organization, User


def send_hour_pack_alert(
    organization: Organization,
    *,
    level: int,
    minutes_left: int,
    customers: Sequence[str],
    agents: Sequence[User],
) -> None:
    raise NotImplementedError("issue 19 §2, in progress")
