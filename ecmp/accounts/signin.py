"""Sign-in protection that cannot be turned against the account's owner.

Three counters over the cool-off window, all read from axes' AccessAttempt rows
(one row per account, address and browser, with its count of failures):

- the (account, address) pair locks after AXES_FAILURE_LIMIT failures: a guesser
  gets that many tries per account from each address;
- the address alone is locked after ECMP_SIGNIN_ADDRESS_LIMIT failures on any
  accounts: one address cannot walk through the users;
- the account alone never locks, or anyone could lock its owner out by failing
  from a few addresses. Past ECMP_SIGNIN_ACCOUNT_LIMIT failures its password is
  checked at most once per ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS (the others are
  refused unchecked, "try again in N seconds"), and its owner gets one email with
  a single-use link that marks their browser as known. A known browser (one that
  signed in to the account before, or followed the link) is not slowed down.

A success clears its own pair's failures only, never the address's failures on
other accounts (an attacker's own account would otherwise reset the count).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.mailer import mailer
from ecmp.accounts.models import AuditEvent, SignInAlert, User
from ecmp.accounts.selectors import user_find_by_identifier

KNOWN_BROWSER_COOKIE = "ecmp_signin_browser"
KNOWN_BROWSER_SALT = "ecmp.accounts.signin.known-browser"
UNLOCK_SALT = "ecmp.accounts.signin.unlock"


class SignInSlowedDown(PermissionDenied):
    """An account under attack: this attempt is refused before its password is read."""


@dataclass(frozen=True)
class FailureCounts:
    pair: int
    address: int
    account: int
    last_account_failure: datetime | None


def failure_counts(request: HttpRequest, username: str | None) -> FailureCounts:
    """The three counters of this request's address and account, in one query."""
    address = request.axes_ip_address  # type: ignore[attr-defined]  # set by AxesMiddleware
    same_address = Q(ip_address=address)
    same_account = Q(username=username)
    totals = (
        AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        .filter(same_address | same_account)
        .aggregate(
            pair=Sum("failures_since_start", filter=same_address & same_account),
            address=Sum("failures_since_start", filter=same_address),
            account=Sum("failures_since_start", filter=same_account),
            last=Max("attempt_time", filter=same_account),
        )
    )
    return FailureCounts(
        pair=totals["pair"] or 0,
        address=totals["address"] or 0,
        account=totals["account"] or 0,
        last_account_failure=totals["last"],
    )


class SignInAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with our three counters (see the module's docstring)."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """What axes compares with AXES_FAILURE_LIMIT: the pair's failures, or the
        limit itself once the address is over its own (higher) limit."""
        counts = failure_counts(request, get_client_username(request, credentials))
        if counts.address >= settings.ECMP_SIGNIN_ADDRESS_LIMIT:
            return max(counts.pair, get_failure_limit(request, credentials))
        return counts.pair

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        locked = super().is_locked(request, credentials)
        # The audit log tells a new lock from attempts refused during one.
        request.signin_was_locked = locked  # type: ignore[attr-defined]  # a marker of ours
        return locked

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is not None and getattr(request, "signin_wait_seconds", None):
            return  # refused unchecked: no guess was made, nothing to count
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        username = get_client_username(request, credentials)
        counts = failure_counts(request, username)
        if counts.account >= settings.ECMP_SIGNIN_ACCOUNT_LIMIT and username:
            user = user_find_by_identifier(username)
            if user is not None and user.is_active:
                signin_alert_owner(user=user)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(
            username=user.get_username(),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by AxesMiddleware
        ).delete()


# --- The account under attack: slowed down, its owner told ---------------------------


def signin_wait_seconds(request: HttpRequest | None, username: str, user: User | None) -> int:
    """Seconds before this account's password may be tried again from this browser
    (0: now). Unknown accounts are slowed down the same way, or the delay would tell
    which accounts exist."""
    if request is None or not hasattr(request, "axes_ip_address"):
        return 0
    if user is not None and browser_is_known(request, user):
        return 0
    counts = failure_counts(request, username)
    if counts.account < settings.ECMP_SIGNIN_ACCOUNT_LIMIT or counts.last_account_failure is None:
        return 0
    elapsed = (timezone.now() - counts.last_account_failure).total_seconds()
    return max(0, math.ceil(settings.ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS - elapsed))


def _browser_value(user: User) -> str:
    # The session hash changes with the password: a new password forgets old browsers.
    return f"{user.pk}:{user.get_session_auth_hash()[:20]}"


def browser_is_known(request: HttpRequest, user: User) -> bool:
    value = request.get_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        default=None,
        salt=KNOWN_BROWSER_SALT,
        max_age=timedelta(days=settings.ECMP_SIGNIN_KNOWN_BROWSER_DAYS),
    )
    return value is not None and secrets.compare_digest(value, _browser_value(user))


def browser_remember(response: HttpResponse, user: User) -> None:
    """Mark this browser as one the owner uses: it is not slowed down for this account."""
    response.set_signed_cookie(
        KNOWN_BROWSER_COOKIE,
        _browser_value(user),
        salt=KNOWN_BROWSER_SALT,
        max_age=settings.ECMP_SIGNIN_KNOWN_BROWSER_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def signin_alert_owner(*, user: User) -> bool:
    """Tell the owner, once per cool-off window, that their password is being tried,
    with a single-use link that unlocks their browser. True if an email was queued."""
    now = timezone.now()
    window = get_cool_off(None) or timedelta(minutes=30)
    if SignInAlert.objects.filter(user=user, alerted_at__gte=now - window).exists():
        return False  # told already in this window (the common case: no failed insert)
    nonce = secrets.token_urlsafe(24)
    with transaction.atomic():
        renewed = SignInAlert.objects.filter(user=user, alerted_at__lt=now - window).update(
            alerted_at=now, nonce=nonce, used_at=None
        )
        if not renewed:
            try:
                with transaction.atomic():
                    SignInAlert.objects.create(user=user, alerted_at=now, nonce=nonce)
            except IntegrityError:
                return False  # another process told them a moment ago
        token = signing.dumps({"u": user.pk, "n": nonce}, salt=UNLOCK_SALT, compress=True)
        mailer().send_signin_alert(user, token)
        audit_record(
            AuditEvent.Kind.LOCKED_OUT,
            target=user,
            detail="password tried from several addresses: sign-in slowed down, owner emailed",
        )
    return True


def signin_unlock_user(token: str) -> User | None:
    """The user of a valid unlock link, or None (expired, forged, or of an older alert)."""
    try:
        data = signing.loads(
            token, salt=UNLOCK_SALT, max_age=timedelta(hours=settings.ECMP_SIGNIN_UNLOCK_HOURS)
        )
        user_id, nonce = int(data["u"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    alert = SignInAlert.objects.select_related("user").filter(user_id=user_id).first()
    if alert is None or alert.used_at is not None or not secrets.compare_digest(alert.nonce, nonce):
        return None
    return alert.user


def signin_unlock(token: str) -> User:
    """Use an unlock link (once): the caller then marks the browser as known."""
    user = signin_unlock_user(token)
    if user is None:
        raise ValidationError(_("This link is no longer valid."), code="invalid")
    used = SignInAlert.objects.filter(user=user, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not used:  # another request used it a moment ago
        raise ValidationError(_("This link is no longer valid."), code="invalid")
    audit_record(
        AuditEvent.Kind.UNLOCKED,
        actor=user,
        target=user,
        detail="unlock link from the alert email: this browser signs in normally",
    )
    return user


# --- The audit log of sign-ins (signal receivers, connected in AccountsConfig.ready) ----


def typed_identifier(credentials: dict | None) -> str:
    credentials = credentials or {}
    return str(credentials.get("username") or credentials.get("email") or "")[:100]


def _label_of_typed(identifier: str, user: User | None) -> str:
    """What the audit log keeps of a login typed at a failed sign-in: an account's
    login, or an email address. Anything else is left out: people type their
    password into the login field by mistake, and the log must not keep it."""
    if user is not None:
        return identifier
    try:
        validate_email(identifier)
    except ValidationError:
        return ""
    return identifier


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(AuditEvent.Kind.SIGN_IN, actor=user, target=user)


def on_user_login_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is not None and (
        getattr(request, "signin_wait_seconds", None)
        or getattr(request, "signin_was_locked", False)
    ):
        # Refused unchecked: no guess was made. A row per request would let one
        # address fill the audit log at the speed it sends them; the lock and the
        # owner's alert are each recorded once.
        return
    identifier = typed_identifier(credentials)
    user = user_find_by_identifier(identifier) if identifier else None
    detail = "wrong password" if user is not None else "no such account"
    audit_record(
        AuditEvent.Kind.SIGN_IN_FAILED,
        target=user,
        actor_label=_label_of_typed(identifier, user),
        detail=detail,
    )


def on_user_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    if request is not None and getattr(request, "signin_was_locked", False):
        return  # an attempt during a lock, not a new one
    user = user_find_by_identifier(username) if username else None
    audit_record(
        AuditEvent.Kind.LOCKED_OUT,
        target=user,
        actor_label=_label_of_typed((username or "")[:100], user),
        detail="too many failures from this address",
    )
