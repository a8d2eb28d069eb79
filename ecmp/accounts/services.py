"""Every write to accounts: registering people, invitations, registration requests.

Views and commands call these; they check permissions and invariants and raise
ValidationError with a message for the user when something is not allowed.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.mailer import mailer
from ecmp.accounts.models import (
    AuditEvent,
    Invitation,
    Organization,
    OrganizationEvent,
    RegistrationRequest,
    Role,
    User,
)
from ecmp.accounts.selectors import token_digest, user_email_taken
from ecmp.core.access import is_admin, require_staff


def _refuse_erased(user: User) -> None:
    # An erased person stays for the history only: reactivated or given a role,
    # "Former user" would be an account again (and could be sent an invitation).
    if user.is_erased:
        raise ValidationError(_("This person has already been erased."), code="erased")


def user_register(
    *,
    by: User,
    email: str,
    full_name: str,
    role: str = Role.CUSTOMER,
    organization: Organization | None = None,
    is_team_manager: bool = False,
    language: str = "en",
    audit_detail: str = "",
) -> User:
    """Register a person and send them the welcome email with "To the portal".

    Agents register client users; only admins register agents and admins.
    The invitation's audit event says what led to it (`audit_detail`).
    """
    require_staff(by)
    if role != Role.CUSTOMER and not is_admin(by):
        raise PermissionDenied
    email = email.strip().lower()
    if role == Role.CUSTOMER:
        if organization is None:
            raise ValidationError(_("A client user needs an organization."), code="no_org")
        if not organization.active:
            raise ValidationError(
                _("This organization is inactive: its users cannot be registered."),
                code="inactive_org",
            )
    else:
        organization, is_team_manager = None, False
    if user_email_taken(email):
        raise ValidationError(_("A user with this email address already exists."), code="taken")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                full_name=full_name.strip(),
                role=role,
                organization=organization,
                is_team_manager=is_team_manager,
                language=language,
            )
            invitation_send(user=user, by=by, audit_detail=audit_detail or f"registered as {role}")
    except IntegrityError as exc:
        # Two agents registering the same address at the same moment.
        raise ValidationError(
            _("A user with this email address already exists."), code="taken"
        ) from exc
    return user


@transaction.atomic
def invitation_send(*, user: User, by: User | None, audit_detail: str = "") -> Invitation:
    """A new "To the portal" link for a user who has not activated yet.

    Earlier links of that user stop working, so only the newest email counts.
    """
    if by is not None and user.is_support_staff and not is_admin(by):
        raise PermissionDenied
    # The user's row is locked so that two clicks on "Send again" leave one valid link.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.activated_at is not None:
        raise ValidationError(_("This user has already activated their account."), code="active")
    if not user.is_active:
        raise ValidationError(_("This user is deactivated."), code="inactive")
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=token_digest(token),
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=settings.ECMP_INVITATION_DAYS),
    )
    mailer().send_invitation(invitation, token)
    audit_record(AuditEvent.Kind.INVITATION_SENT, actor=by, target=user, detail=audit_detail)
    return invitation


def invitation_renew(*, invitation: Invitation) -> Invitation:
    """Send a fresh link when an expired, never used one is followed.

    The link goes to the invited address only, so asking for it gives nothing
    to whoever holds the old link.
    """
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(_("This link can no longer be renewed."), code="not_renewable")
    if not invitation.is_expired:
        raise ValidationError(_("This link is still valid."), code="still_valid")
    return invitation_send(
        user=invitation.user, by=None, audit_detail="renewed from an expired link"
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Set the first password through a valid link; the link then stops working."""
    locked = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if not locked.is_usable:
        raise ValidationError(_("This link has already been used or has expired."), code="used")
    user = locked.user
    if not user.is_active or (user.organization and not user.organization.active):
        raise ValidationError(_("This account is deactivated."), code="inactive")
    validate_password(password, user)
    now = timezone.now()
    user.set_password(password)
    user.activated_at = now
    user.save(update_fields=["password", "activated_at"])
    locked.accepted_at = now
    locked.save(update_fields=["accepted_at"])
    return user


def registration_request_create(
    *, manager: User, full_name: str, email: str, note: str = ""
) -> RegistrationRequest:
    """A team manager asks for a colleague's registration.

    Whether an address belongs to someone outside the manager's company is not
    theirs to learn: such a request is taken like any other, and the desk sees
    the conflict when it answers.
    """
    organization_id = manager.organization_id
    if not (manager.is_active and manager.is_customer and manager.is_team_manager):
        raise PermissionDenied
    if organization_id is None:  # a customer always has a company
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email=email, organization_id=organization_id).exists():
        raise ValidationError(_("A user with this email address already exists."), code="taken")
    pending = _("A request for this email address is already waiting for an answer.")
    try:
        with transaction.atomic():
            return RegistrationRequest.objects.create(
                organization_id=organization_id,
                requested_by=manager,
                full_name=full_name.strip(),
                email=email,
                note=note.strip(),
            )
    except IntegrityError as exc:
        raise ValidationError(pending, code="pending") from exc


def _lock_pending(request: RegistrationRequest) -> RegistrationRequest:
    locked = (
        RegistrationRequest.objects.select_for_update()
        .select_related("organization", "requested_by")
        .get(pk=request.pk)
    )
    if locked.status != RegistrationRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="answered")
    return locked


@transaction.atomic
def registration_request_approve(*, request: RegistrationRequest, by: User) -> User:
    require_staff(by)
    locked = _lock_pending(request)
    user = user_register(
        by=by,
        email=locked.email,
        full_name=locked.full_name,
        organization=locked.organization,
        language=locked.requested_by.language,
        # The request's number, not the manager's address: erasing a person rewrites
        # the labels that name them, not the free text.
        audit_detail=f"registration request #{locked.pk} approved",
    )
    locked.status = RegistrationRequest.Status.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    mailer().send_registration_answered(locked)
    return user


@transaction.atomic
def registration_request_decline(
    *, request: RegistrationRequest, by: User, reason: str
) -> RegistrationRequest:
    require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please give the manager a reason."), code="no_reason")
    locked = _lock_pending(request)
    locked.status = RegistrationRequest.Status.DECLINED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decline_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    mailer().send_registration_answered(locked)
    return locked


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."), code="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Client companies and their people (the desk's "Clients") ----------------------


def _org_event(organization: Organization, actor: User, kind: str, reason: str = "") -> None:
    OrganizationEvent.objects.create(
        organization=organization, actor=actor, kind=kind, reason=reason.strip()
    )


@transaction.atomic
def organization_create(
    *, by: User, name: str, contract_notes: str = "", **options: bool
) -> Organization:
    require_staff(by)
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A name is required."), code="required")
    if Organization.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("An organization with this name already exists."), code="taken")
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=name, contract_notes=contract_notes.strip(), **options
            )
    except IntegrityError as exc:  # created by someone else at the same moment
        raise ValidationError(
            _("An organization with this name already exists."), code="taken"
        ) from exc
    _org_event(organization, by, OrganizationEvent.Kind.CREATED)
    initial = {"name": name, "contract_notes": organization.contract_notes, **options}
    audit_record(
        AuditEvent.Kind.ORGANIZATION_CREATED,
        actor=by,
        target=organization,
        changes={field: [None, value] for field, value in initial.items()},
    )
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    by: User,
    name: str,
    contract_notes: str,
    managers_see_all_tickets: bool,
) -> Organization:
    require_staff(by)
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("A name is required."), code="required")
    if Organization.objects.filter(name__iexact=name).exclude(pk=organization.pk).exists():
        raise ValidationError(_("An organization with this name already exists."), code="taken")
    edited = ["name", "contract_notes", "managers_see_all_tickets"]
    before = {field: getattr(organization, field) for field in edited}
    organization.name = name
    organization.contract_notes = contract_notes.strip()
    organization.managers_see_all_tickets = managers_see_all_tickets
    changes = {
        field: [before[field], getattr(organization, field)]
        for field in edited
        if before[field] != getattr(organization, field)
    }
    if changes:
        audit_record(
            AuditEvent.Kind.ORGANIZATION_CHANGED, actor=by, target=organization, changes=changes
        )
    try:
        with transaction.atomic():
            organization.save(update_fields=["name", "contract_notes", "managers_see_all_tickets"])
    except IntegrityError as exc:
        raise ValidationError(
            _("An organization with this name already exists."), code="taken"
        ) from exc
    _org_event(organization, by, OrganizationEvent.Kind.UPDATED)
    return organization


@transaction.atomic
def organization_set_priority_lock(
    *, organization: Organization, by: User, locked: bool, reason: str
) -> Organization:
    """Put a client company on "Normal for every ticket", or take it off; who, when, why kept."""
    require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please say why."), code="no_reason")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.priority_locked == locked:
        raise ValidationError(_("Nothing to change."), code="same")
    organization.priority_locked = locked
    organization.priority_locked_by = by if locked else None
    organization.priority_locked_at = timezone.now() if locked else None
    organization.priority_lock_reason = reason if locked else ""
    organization.save(
        update_fields=[
            "priority_locked",
            "priority_locked_by",
            "priority_locked_at",
            "priority_lock_reason",
        ]
    )
    kind = (
        OrganizationEvent.Kind.PRIORITY_LOCKED
        if locked
        else OrganizationEvent.Kind.PRIORITY_UNLOCKED
    )
    _org_event(organization, by, kind, reason)
    audit_record(
        AuditEvent.Kind.PRIORITY_LOCKED if locked else AuditEvent.Kind.PRIORITY_UNLOCKED,
        actor=by,
        target=organization,
        changes={"priority_locked": [not locked, locked]},
        detail=reason,
    )
    return organization


@transaction.atomic
def organization_set_active(
    *, organization: Organization, by: User, active: bool, reason: str
) -> Organization:
    """A deactivated client's users can no longer sign in or open tickets; its tickets stay."""
    require_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please say why."), code="no_reason")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.active == active:
        raise ValidationError(_("Nothing to change."), code="same")
    organization.active = active
    organization.save(update_fields=["active"])
    kind = OrganizationEvent.Kind.REACTIVATED if active else OrganizationEvent.Kind.DEACTIVATED
    _org_event(organization, by, kind, reason)
    audit_record(
        AuditEvent.Kind.ORGANIZATION_ACTIVATED
        if active
        else AuditEvent.Kind.ORGANIZATION_DEACTIVATED,
        actor=by,
        target=organization,
        changes={"active": [not active, active]},
        detail=reason,
    )
    return organization


@transaction.atomic
def user_set_active(*, user: User, by: User, active: bool) -> User:
    require_staff(by)
    if user.is_support_staff and not is_admin(by):
        raise PermissionDenied
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate yourself."), code="self")
    if active:
        _refuse_erased(user)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            AuditEvent.Kind.USER_ACTIVATED if active else AuditEvent.Kind.USER_DEACTIVATED,
            actor=by,
            target=user,
            changes={"is_active": [not active, active]},
        )
    return user


@transaction.atomic
def user_update_details(
    *,
    user: User,
    by: User,
    full_name: str,
    email: str,
    username: str | None,
    language: str,
    phone: str | None = None,
) -> User:
    """A person's name, sign-in email, username, language and phone number, corrected
    on the desk (`phone=None`: left as it is).

    Agents correct client users; only admins correct the team. The email is the
    identity people sign in with, so every change is recorded with its before
    and after.
    """
    require_staff(by)
    if user.is_support_staff and not is_admin(by):
        raise PermissionDenied
    _refuse_erased(user)
    fields = ("full_name", "email", "username", "language", "phone")
    before = {field: getattr(user, field) for field in fields}
    user.full_name = full_name.strip()
    user.email = email.strip().lower()
    user.username = (username or "").strip().lower() or None
    user.language = language
    if phone is not None:
        user.phone = " ".join(phone.replace("\x00", "").split())
    if user.email != before["email"] and user_email_taken(user.email):
        raise ValidationError(_("A user with this email address already exists."), code="taken")
    user.full_clean(exclude=["password", "organization", "role"])
    changes = {
        field: [before[field], getattr(user, field)]
        for field in fields
        if before[field] != getattr(user, field)
    }
    if changes:
        update_fields = list(changes)
        if "email" in changes and user.email_bouncing_since:
            user.email_bouncing_since = None  # the bounces were the old address's
            update_fields.append("email_bouncing_since")
        user.save(update_fields=update_fields)
        audit_record(AuditEvent.Kind.USER_CHANGED, actor=by, target=user, changes=changes)
    return user


@transaction.atomic
def user_set_role(*, user: User, by: User, role: str, is_team_manager: bool) -> User:
    """Agents change a client user's manager flag; only admins change roles."""
    require_staff(by)
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="role")
    if (role != user.role or user.is_support_staff) and not is_admin(by):
        raise PermissionDenied
    if user.pk == by.pk and role != user.role:
        raise ValidationError(_("You cannot change your own role."), code="self")
    _refuse_erased(user)
    if role == Role.CUSTOMER and user.organization_id is None:
        raise ValidationError(_("A client user needs an organization."), code="no_org")
    before = {
        "role": user.role,
        "is_team_manager": user.is_team_manager,
        "organization": str(user.organization) if user.organization else None,
    }
    user.role = role
    user.is_team_manager = is_team_manager and role == Role.CUSTOMER
    if role != Role.CUSTOMER:
        user.organization = None
    user.save(update_fields=["role", "is_team_manager", "organization"])
    after = {
        "role": user.role,
        "is_team_manager": user.is_team_manager,
        "organization": str(user.organization) if user.organization else None,
    }
    changes = {
        field: [before[field], after[field]] for field in before if before[field] != after[field]
    }
    if changes:
        audit_record(AuditEvent.Kind.ROLE_CHANGED, actor=by, target=user, changes=changes)
    return user


@transaction.atomic
def invitation_revoke(*, user: User, by: User) -> int:
    """Stop every waiting link of a user (sent to a wrong address, say)."""
    require_staff(by)
    if user.is_support_staff and not is_admin(by):
        raise PermissionDenied
    revoked = Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            AuditEvent.Kind.INVITATION_REVOKED, actor=by, target=user, detail=f"{revoked} link(s)"
        )
    return revoked


def users_bouncing_mark(*, addresses: Collection[str]) -> int:
    """Mark the people at these addresses as bouncing (a bounce of our own mail to
    them), from the first bounce on; a new address clears it (`user_update_details`)."""
    if not addresses:
        return 0
    return User.objects.filter(email__in=addresses, email_bouncing_since__isnull=True).update(
        email_bouncing_since=timezone.now()
    )
