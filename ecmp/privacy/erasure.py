"""Erasure: a person is anonymised; what the company must keep stays.

Their name and address are replaced, sign-in becomes impossible, what lets
anyone act in their name (sessions, invitations, second factor) is removed, and
their notifications go. Their tickets and messages stay for the support
history, shown as written by "Former user"; invoices and their lines stay
exactly as issued (legal retention). The files they uploaded go on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_forget_person, audit_record
from ecmp.accounts.models import (
    ERASED_DOMAIN,
    AuditEvent,
    Invitation,
    RegistrationRequest,
    RemovalRequest,
    Role,
    User,
)
from ecmp.accounts.twofactor import second_factors_remove
from ecmp.core.access import is_admin, require_admin
from ecmp.notifications.models import Notification
from ecmp.tickets.attachments import delete_stored
from ecmp.tickets.models import Attachment
from ecmp.webhooks.services import webhook_deliveries_forget

# Stored as the name, not translated per reader: it replaces a person's name.
FORMER_USER = "Former user"


def erased_email(user: User) -> str:
    return f"erased-{user.pk}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.is_erased


def may_erase(*, by: User, user: User) -> bool:
    return is_admin(by) and by.pk != user.pk


@dataclass(frozen=True)
class Erasure:
    invitations_revoked: int
    notifications_deleted: int
    sessions_ended: int
    second_factors_removed: int
    files_deleted: int


def _end_sessions(user: User) -> int:
    """Sessions stored in the database are deleted; any other engine's die anyway:
    the unusable password changes the hash every session is checked against."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return 0
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _check(*, user: User, by: User) -> None:
    require_admin(by)
    if by.pk == user.pk:
        raise ValidationError(_("You cannot erase yourself."), code="self")
    if is_erased(user):
        raise ValidationError(_("This person has already been erased."), code="erased")
    if is_admin(user):
        others = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
        if not others.exists():
            raise ValidationError(_("The last active administrator cannot be erased."), code="last")


def person_erase(*, user: User, by: User, delete_files: bool = False) -> Erasure:
    """Anonymise a person (admins only, never oneself nor the last active admin)."""
    _check(user=user, by=by)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _check(user=user, by=by)
        old_email, old_username, was_active = user.email, user.username, user.is_active
        user.full_name = FORMER_USER
        user.email = erased_email(user)
        user.username = None
        user.is_active = False
        user.is_team_manager = False
        user.email_bouncing_since = None
        user.set_unusable_password()
        user.save()
        invitations = Invitation.objects.filter(
            user=user, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        # Requests to register this address name the person too.
        RegistrationRequest.objects.filter(email=old_email).update(
            full_name=FORMER_USER, email=user.email, note=""
        )
        # So do the reasons given for removing them (the request itself stays, as history).
        RemovalRequest.objects.filter(person=user).update(reason="", decline_reason="")
        notifications, _counts = Notification.objects.filter(recipient=user).delete()
        webhook_deliveries_forget(email=old_email)
        factors = second_factors_remove(user)
        sessions = _end_sessions(user)
        files: list[Attachment] = []
        if delete_files:
            files = list(Attachment.objects.filter(uploaded_by=user).only("pk", "file"))
            Attachment.objects.filter(pk__in=[a.pk for a in files]).delete()
            # Removed from storage once the rows are gone for good (a rollback keeps both).
            transaction.on_commit(partial(delete_stored, files))
        result = Erasure(
            invitations_revoked=invitations,
            notifications_deleted=notifications,
            sessions_ended=sessions,
            second_factors_removed=factors,
            files_deleted=len(files),
        )
        audit_forget_person(user=user, label=str(user), identifiers=(old_email, old_username))
        audit_record(
            AuditEvent.Kind.USER_ERASED,
            actor=by,
            target=user,
            changes={"is_active": [was_active, False]},
            detail=(
                f"invitations revoked: {invitations}; notifications deleted: {notifications}; "
                f"sessions ended: {sessions}; second factors removed: {factors}; "
                f"files deleted: {len(files)}"
            ),
        )
    return result
