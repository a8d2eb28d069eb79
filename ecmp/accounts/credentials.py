"""Passwords and links by email: reset, change, invitation renewal.

Asking for a reset link costs the same whether or not the address is anyone's: the
request counts itself against the throttles and hands the typed address to the
worker (one task, always), which looks the account up and sends the email. Nothing
in the answer, its content or its time, tells whether an account exists.
"""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import transaction

from ecmp.accounts import services
from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, Invitation, User
from ecmp.accounts.tasks import password_reset_send
from ecmp.accounts.throttle import hashed, throttle_allows

THROTTLE_WINDOW = timedelta(hours=1)


def password_reset_request(*, email: str, address: str | None) -> bool:
    """Queue the reset email for `email` if the throttles allow it (True).

    The caller answers the same either way: a refused request is only not sent.
    """
    allowed = throttle_allows(
        [
            (f"reset:from:{address or '-'}", settings.ECMP_RESET_ADDRESS_LIMIT),
            (f"reset:to:{hashed(email)}", settings.ECMP_RESET_ACCOUNT_LIMIT),
        ],
        window=THROTTLE_WINDOW,
    )
    if allowed:
        normalized = email.strip().lower()
        transaction.on_commit(lambda: password_reset_send.enqueue(normalized, address))
    return allowed


def invitation_renew_request(*, invitation: Invitation, address: str | None) -> bool:
    """Send a fresh invitation link if the throttles allow it (True; False: nothing
    sent, answered the same). A link that cannot be renewed raises ValidationError
    (services.invitation_renew) and, rolled back with it, counts nowhere."""
    with transaction.atomic():
        if not throttle_allows(
            [
                (f"renew:from:{address or '-'}", settings.ECMP_RESET_ADDRESS_LIMIT),
                (f"renew:to:{invitation.user_id}", settings.ECMP_RESET_ACCOUNT_LIMIT),
            ],
            window=THROTTLE_WINDOW,
        ):
            return False
        services.invitation_renew(invitation=invitation)
    return True


@transaction.atomic
def password_change(*, user: User, password: str) -> None:
    """The signed-in user's new password (the old one was checked by the form)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(AuditEvent.Kind.PASSWORD_CHANGED, actor=user, target=user)


@transaction.atomic
def password_reset_complete(*, user: User, password: str) -> None:
    """A new password through an emailed link: the owner proved they read its mail,
    so the sign-in failures counted against the account are forgotten."""
    user.set_password(password)
    user.save(update_fields=["password"])
    AxesProxyHandler.reset_attempts(username=user.get_username())
    audit_record(
        AuditEvent.Kind.PASSWORD_RESET,
        actor=user,
        target=user,
        detail="new password through the emailed link; sign-in failures forgotten",
    )
