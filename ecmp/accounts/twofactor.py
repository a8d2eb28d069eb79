"""Two-factor authentication: the one door for enrolment, verification, backup codes,
resets and remembered browsers (TOTP and static devices of django-otp).

A person has at most one confirmed authenticator (a TOTPDevice) and one set of
backup codes (a StaticDevice whose tokens are used once). Resetting removes both;
a remembered browser is bound to the authenticator's key and to the person's
password, so a reset (or a new password) ends every remembered browser.
"""

from __future__ import annotations

import secrets
import time
from base64 import b32decode, b32encode
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import STAFF_ROLES, AuditEvent, User
from ecmp.core.access import is_admin

BACKUP_CODE_COUNT = 10
TOTP_DIGITS = 6
# One step before or after: phones whose clock is a little off still sign in.
TOTP_TOLERANCE = 1
REMEMBER_COOKIE = "ecmp_2fa_remember"
_REMEMBER_SALT = "ecmp.accounts.twofactor.remember"
_AUTHENTICATOR_NAME = "Authenticator app"
_BACKUP_NAME = "Backup codes"


class TwoFactorError(Exception):
    """A second-factor action that cannot be done (the message says why)."""


# --- Reads -------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """Agents and admins must have a second factor unless the setting says optional."""
    return user.is_support_staff and settings.ECMP_STAFF_2FA == "required"


def two_factor_may_turn_off(user: User) -> bool:
    return not two_factor_required(user)


def authenticator_for(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def team_list_with_two_factor() -> QuerySet[User]:
    """Agents and admins, each marked `two_factor_on` (the desk's Team page)."""
    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.filter(role__in=STAFF_ROLES).annotate(two_factor_on=Exists(enrolled))


# --- Enrolment -----------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret (base32, as authenticator apps take it when typed)."""
    return b32encode(secrets.token_bytes(20)).decode("ascii")


def secret_is_valid(secret: str) -> bool:
    try:
        return len(_secret_bytes(secret)) >= 10
    except ValueError:
        return False


def _secret_bytes(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return b32decode(cleaned + "=" * (-len(cleaned) % 8))


def secret_grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into a phone."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(user: User, secret: str) -> str:
    """The key URI authenticator apps read from the QR code."""
    issuer = settings.ECMP_COMPANY_NAME.replace(":", "")
    label = quote(f"{issuer}:{user.email}")
    params = urlencode({"secret": secret, "algorithm": "SHA1", "digits": TOTP_DIGITS, "period": 30})
    return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI (an <img>, allowed by the page's CSP)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _token_digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def totp_code_matches(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step the code belongs to if it is valid for the secret, else None."""
    code = _token_digits(code)
    if not (len(code) == TOTP_DIGITS and code.isdigit()):
        return None
    totp = TOTP(_secret_bytes(secret), digits=TOTP_DIGITS)
    totp.time = time.time() if at is None else at
    if totp.verify(int(code), tolerance=TOTP_TOLERANCE):
        return totp.t()
    return None


def current_code(secret: str) -> str:
    """The code an authenticator app shows now (demo data and browser journeys)."""
    totp = TOTP(_secret_bytes(secret), digits=TOTP_DIGITS)
    return f"{totp.token():0{TOTP_DIGITS}d}"


@transaction.atomic
def two_factor_enrol(*, user: User, secret: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows; returns it and new backup codes.

    The secret only becomes a device once a code proves the app holds it, so an
    abandoned enrolment leaves nothing behind.
    """
    if not secret_is_valid(secret):
        raise TwoFactorError("invalid secret")
    step = totp_code_matches(secret, code)
    if step is None:
        raise TwoFactorError("wrong code")
    User.objects.select_for_update().get(pk=user.pk)
    if authenticator_for(user) is not None:
        raise TwoFactorError("already enrolled")
    # The code just used cannot be used again to sign in.
    device = _authenticator_replace(user, secret, last_t=step)
    audit_record(AuditEvent.Kind.TWO_FACTOR_ENROLLED, actor=user, target=user)
    codes = _backup_codes_replace(user)
    audit_record(AuditEvent.Kind.BACKUP_CODES_CREATED, actor=user, target=user)
    return device, codes


@transaction.atomic
def enrol_demo_authenticator(*, user: User, secret: str) -> TOTPDevice:
    """Demo data only: enrol with a published secret, without a code."""
    return _authenticator_replace(user, secret, last_t=-1)


def _authenticator_replace(user: User, secret: str, *, last_t: int) -> TOTPDevice:
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user,
        name=_AUTHENTICATOR_NAME,
        key=_secret_bytes(secret).hex(),
        digits=TOTP_DIGITS,
        tolerance=TOTP_TOLERANCE,
        confirmed=True,
        last_t=last_t,
    )
    _mark_enrolled(user, True)
    return device


def _mark_enrolled(user: User, enrolled: bool) -> None:
    user.has_authenticator = enrolled
    User.objects.filter(pk=user.pk).update(has_authenticator=enrolled)


# --- Backup codes ------------------------------------------------------------------


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def backup_codes_create(*, user: User) -> list[str]:
    """New backup codes for an enrolled person; the old ones stop working."""
    if authenticator_for(user) is None:
        raise TwoFactorError("not enrolled")
    codes = _backup_codes_replace(user)
    audit_record(AuditEvent.Kind.BACKUP_CODES_CREATED, actor=user, target=user)
    return codes


# --- Verification ----------------------------------------------------------------------


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts the code (authenticator or one backup code), or None.

    Six digits go to the authenticator, anything else to the backup codes, so a
    mistyped code counts against one device only. django-otp throttles each
    device (a growing delay after each failure) and refuses a code used before.
    """
    token = _token_digits(code).lower()
    if not token or len(token) > 16:
        return None
    with transaction.atomic():
        if len(token) == TOTP_DIGITS and token.isdigit():
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.filter(user=user, confirmed=True)
        checked = False
        for device in devices.select_for_update():
            # While throttled, a code is not even looked at (and not logged: someone
            # holding the password could otherwise fill the audit log).
            checked = checked or device.verify_is_allowed()[0]
            if device.verify_token(token):
                return device
    if not checked:
        return None
    audit_record(
        AuditEvent.Kind.SIGN_IN_FAILED,
        actor=user,
        target=user,
        detail="wrong second-factor code",
    )
    return None


# --- Reset and turning off -------------------------------------------------------------


@transaction.atomic
def second_factors_remove(user: User) -> int:
    """Delete a person's authenticator and backup codes; how many devices went."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    _mark_enrolled(user, False)
    return removed


def two_factor_reset(*, user: User, by: User | None, detail: str = "") -> None:
    """An admin (or the command line, by=None) removes someone's second factor.

    Their authenticator and backup codes are deleted; remembered browsers die with
    the key they were bound to; sessions verified with the device are no longer
    verified (django-otp finds no device), so the person enrols again.
    """
    if by is not None and not is_admin(by):
        raise TwoFactorError("only an admin may reset another person's second factor")
    _second_factor_remove(user=user, actor=by, detail=detail)


def two_factor_turn_off(*, user: User) -> None:
    """A person turns their own second factor off, where it is optional for them."""
    if not two_factor_may_turn_off(user):
        raise TwoFactorError("two-factor authentication is required for staff")
    _second_factor_remove(user=user, actor=user, detail="turned off by the user")


@transaction.atomic
def _second_factor_remove(*, user: User, actor: User | None, detail: str) -> None:
    removed = second_factors_remove(user) > 0
    audit_record(
        AuditEvent.Kind.TWO_FACTOR_RESET,
        actor=actor,
        target=user,
        changes={"enrolled": [removed, False]},
        detail=detail,
    )


# --- Remembered browsers -----------------------------------------------------------------


@dataclass(frozen=True)
class RememberCookie:
    name: str
    value: str
    max_age: int
    secure: bool


def _remember_digest(user: User, device: TOTPDevice) -> str:
    # The device's key and the password's session hash: a reset or a new password
    # changes the digest, and every remembered browser with it.
    material = f"{user.pk}:{device.pk}:{device.key}:{user.get_session_auth_hash()}"
    return salted_hmac(_REMEMBER_SALT, material, algorithm="sha256").hexdigest()


def _remember_max_age() -> int:
    return settings.ECMP_2FA_REMEMBER_DAYS * 24 * 3600


def remember_cookie_for(*, user: User, device: TOTPDevice) -> RememberCookie:
    value = signing.dumps(
        {"u": user.pk, "d": device.pk, "h": _remember_digest(user, device)},
        salt=_REMEMBER_SALT,
        compress=True,
    )
    return RememberCookie(
        name=REMEMBER_COOKIE,
        value=value,
        max_age=_remember_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
    )


def remembered_device(*, user: User, cookie: str | None) -> TOTPDevice | None:
    """The authenticator this browser was remembered for, if the cookie still holds."""
    if not cookie:
        return None
    try:
        data = signing.loads(cookie, salt=_REMEMBER_SALT, max_age=_remember_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.pk:
        return None
    device = authenticator_for(user)
    if device is None or device.pk != data.get("d"):
        return None
    if not constant_time_compare(str(data.get("h", "")), _remember_digest(user, device)):
        return None
    return device
