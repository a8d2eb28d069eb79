"""The desk menu's counts the plain way, one selector and one COUNT each: the reference
the tests compare desk/menu.py's counts with (the menu reads them in one prepared
statement, with the bell's count)."""

from __future__ import annotations

from ecmp.accounts.models import RegistrationRequest, RemovalRequest
from ecmp.accounts.removal_selectors import removal_request_list_for_staff
from ecmp.accounts.selectors import registration_request_list_for_staff
from ecmp.mail.selectors import inbound_list_for_staff


def desk_alert_counts() -> dict[str, int]:
    """Held mail, and pending registration requests with pending removal requests."""
    pending = registration_request_list_for_staff(status=RegistrationRequest.Status.PENDING)
    removals = removal_request_list_for_staff(status=RemovalRequest.Status.PENDING)
    return {
        "held_mail": inbound_list_for_staff("held").count(),
        "registration_requests": pending.count() + removals.count(),
    }
