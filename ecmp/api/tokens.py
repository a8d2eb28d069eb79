"""Personal access tokens: the one door for creating, checking and revoking them.

A token is `ecmp_<prefix>_<secret>`: the prefix (shown in lists, so a person knows
which is which) and 32 random bytes. Only the SHA-256 of the whole token is stored:
it is high-entropy, so a slow hash would add nothing, and the lookup by hash stays
one indexed read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.api.models import ApiToken
from ecmp.core.access import is_admin, require_admin

TOKEN_START = "ecmp_"  # noqa: S105  # the tokens' visible start, not a secret
NAME_MAX = 100
# Recording every use would write on every request: once a minute says enough.
LAST_USED_EVERY = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_create(
    *,
    by: User,
    name: str,
    scope: str,
    expires_in_days: int | None,
    second_factor_verified: bool,
) -> tuple[ApiToken, str]:
    """A new token for `by` and its secret, which is never shown or stored again.

    Agents and admins reach every client's tickets: their tokens are made only in a
    session that passed the second factor (as the desk asks of them)."""
    if not by.is_active:
        raise PermissionDenied
    if by.is_support_staff and not second_factor_verified:
        raise ValidationError(
            _(
                "Sign in with your second factor (two-factor authentication) before "
                "creating an API token: the support team's tokens need it."
            ),
            code="second_factor",
        )
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), code="name")
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("The name is too long (at most %(limit)s characters).") % {"limit": NAME_MAX},
            code="name",
        )
    if scope not in ApiToken.Scope.values:
        raise ValidationError(_("Choose what the token may do."), code="scope")
    longest = settings.ECMP_API_TOKEN_MAX_DAYS
    if expires_in_days is not None and not 1 <= expires_in_days <= longest:
        raise ValidationError(
            _("A token expires after 1 to %(days)s days.") % {"days": longest}, code="expiry"
        )
    now = timezone.now()
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=by,
            name=name,
            scope=scope,
            prefix=prefix,
            hash=token_hash(raw),
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        audit_record(
            AuditEvent.Kind.API_TOKEN_CREATED,
            actor=by,
            target=token,
            changes={"scope": [None, scope]},
            detail=f"expires {token.expires_at.date().isoformat()}" if token.expires_at else "",
        )
    return token, raw


def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """The owner or an admin ends a token at once; revoking twice changes nothing."""
    if not (by.is_active and (token.user_id == by.pk or is_admin(by))):
        raise PermissionDenied
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This token is already revoked."), code="revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            AuditEvent.Kind.API_TOKEN_REVOKED,
            actor=by,
            target=locked,
            detail="" if locked.user_id == by.pk else f"owner {token.user_id}",
        )
    token.revoked_at = locked.revoked_at
    return token


def api_token_authenticate(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token this secret belongs to, with its active owner; else None.

    One read by the hash's unique index; the last use written at most once a minute,
    by a conditional UPDATE that two concurrent requests cannot both perform."""
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__organization")
        .filter(hash=token_hash(raw))
        .first()
    )
    if token is None or not token.is_live(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk, last_used_at=token.last_used_at).update(
            last_used_at=now
        )
        token.last_used_at = now
    return token


# --- Reads ---------------------------------------------------------------------


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens, newest first (their account page)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_tokens_for_admin(by: User) -> QuerySet[ApiToken]:
    """Every token, newest first, with its owner (the admins' page)."""
    require_admin(by)
    return ApiToken.objects.select_related("user").order_by("-created_at", "-id")


def api_token_for(by: User, pk: int) -> ApiToken:
    """A token `by` may revoke: their own, or any for an admin; else DoesNotExist."""
    tokens = ApiToken.objects.all() if is_admin(by) else ApiToken.objects.filter(user=by)
    return tokens.select_related("user").get(pk=pk)
