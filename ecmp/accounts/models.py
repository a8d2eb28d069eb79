"""People and companies: the support company's staff and its client companies' users."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """A client company with a support contract."""

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Users of an inactive organization can no longer sign in."),
    )
    priority_locked = models.BooleanField(
        _("priority locked to Normal"),
        default=False,
        help_text=_("Its users cannot choose a priority: every ticket is Normal."),
    )
    priority_locked_by = models.ForeignKey(
        "User",
        verbose_name=_("priority locked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority_locked_at = models.DateTimeField(_("priority locked on"), null=True, blank=True)
    priority_lock_reason = models.TextField(_("why the priority is locked"), blank=True)
    managers_see_all_tickets = models.BooleanField(
        _("team managers see all tickets"),
        default=False,
        help_text=_("Its team managers see every ticket of the company, not only their own."),
    )
    contract_notes = models.TextField(_("contract notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationEvent(models.Model):
    """What changed in a client company's settings, by whom and why (the audit trail)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        PRIORITY_LOCKED = "priority_locked", _("Priority locked to Normal")
        PRIORITY_UNLOCKED = "priority_unlocked", _("Priority unlocked")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="org_event_list")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind}"


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = (Role.AGENT, Role.ADMIN)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in and createsuperuser look users up by email: match it as typed
        # in any case, as every email lookup in the product does.
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_superuser", True)
        fields.setdefault("activated_at", timezone.now())
        return self.create_user(email, password, **fields)


# Erasure (ecmp/privacy) gives a person this domain's address, made of their id.
# RFC 2606 reserves .invalid: mail to it can never be delivered anywhere.
ERASED_DOMAIN = "erased.invalid"


class User(AbstractBaseUser, PermissionsMixin):
    """Everybody who signs in: client users, agents and admins.

    The email is the identity (unique in any case); the username is an
    optional shorter login and may never contain "@", so that one typed
    identifier can never match two people.
    """

    # Stored lower-cased (see save), so exact lookups on the unique index match
    # the address in any case it is typed.
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    username = models.CharField(
        _("username"),
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Optional. Letters, digits and . _ - only."),
        validators=[RegexValidator(r"^[A-Za-z0-9._-]+\Z", _("Letters, digits and . _ - only."))],
    )
    full_name = models.CharField(_("full name"), max_length=150)
    # Free text as people give it ("+33 6 12 34 56 78"); the desk's picker finds it
    # by its digits, whatever the spacing.
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_team_manager = models.BooleanField(
        _("team manager"),
        default=False,
        help_text=_("May ask the support company to register new users of the team."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("registered"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    # Kept by accounts/twofactor.py, the one door to second factors: read with the
    # user on every request, it spares the sign-in gate a device query for the
    # many who have none (False is only ever written with the devices removed).
    has_authenticator = models.BooleanField(
        _("two-factor authentication set up"), default=False, editable=False
    )
    # Set when mail to this address bounced; the desk shows it beside the person.
    email_bouncing_since = models.DateTimeField(_("email bouncing since"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=Role.CUSTOMER) | models.Q(organization__isnull=False),
                name="user_customer_has_organization",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "role"]),
            # The support team by name (the assignee select of every desk ticket page):
            # its few rows of the index, not every customer read and sorted. Not a
            # partial index: SQLite does not match its condition to bound parameters.
            models.Index(fields=["role", "full_name", "email"], name="user_by_role_name"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        if self.username is not None:
            self.username = self.username.strip().lower() or None
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:
        """Only admins reach the Django admin."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_erased(self) -> bool:
        """Anonymised by erasure: kept for the history, never to act again."""
        return self.email == f"erased-{self.pk}@{ERASED_DOMAIN}"

    @property
    def is_support_staff(self) -> bool:
        """Agents and admins work the desk."""
        return self.role in (Role.AGENT, Role.ADMIN)

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def manages_a_team(self) -> bool:
        """An active client user who manages their company's team (the managers'
        pages and selectors)."""
        return bool(
            self.is_active
            and self.role == Role.CUSTOMER
            and self.is_team_manager
            and self.organization_id is not None
        )

    @property
    def managed_organization_id(self) -> int | None:
        """The company whose team this user manages (`manages_a_team`), else None: the
        managers' selectors filter by it, and its type says it is set."""
        return self.organization_id if self.manages_a_team else None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Invitation(models.Model):
    """A one-time link "To the portal" that lets a registered user set a password.

    Only a hash of the token is stored: a copy of the database gives nobody a
    working link.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.created_at:%Y-%m-%d})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class RegistrationRequest(models.Model):
    """A team manager asks the support company to register a colleague."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="registration_requests",
    )
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="registration_requests",
    )
    full_name = models.CharField(_("full name"), max_length=150)
    # Stored lower-cased (see save), so exact lookups on the unique index match
    # the address in any case it is typed.
    email = models.EmailField(_("email address"), max_length=254)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")
        ordering = ["-created_at"]
        constraints = [
            # One waiting request per address and company; answered ones stay as history.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(status="pending"),
                name="registration_request_pending_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["organization", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only: rows are never changed or removed through the ORM (only the
    erasure of a person rewrites the labels naming them, in accounts/audit.py)."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class AuditEvent(models.Model):
    """A security or administration event: who did what, when, from where, to what."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Sign-in locked")
        UNLOCKED = "unlocked", _("Sign-in unlocked")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Two-factor authentication set up")
        TWO_FACTOR_RESET = "2fa_reset", _("Two-factor authentication reset")
        BACKUP_CODES_CREATED = "backup_codes", _("Backup codes created")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_asked", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset")
        ROLE_CHANGED = "role_changed", _("Role changed")
        USER_CHANGED = "user_changed", _("Person's details changed")
        USER_ACTIVATED = "user_activated", _("User activated")
        USER_DEACTIVATED = "user_deactivated", _("User deactivated")
        ORGANIZATION_CREATED = "org_created", _("Organization created")
        ORGANIZATION_CHANGED = "org_changed", _("Organization changed")
        ORGANIZATION_ACTIVATED = "org_activated", _("Organization reactivated")
        ORGANIZATION_DEACTIVATED = "org_deactivated", _("Organization deactivated")
        PRIORITY_LOCKED = "priority_locked", _("Priority locked to Normal")
        PRIORITY_UNLOCKED = "priority_unlocked", _("Priority unlocked")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        HELD_MAIL_RELEASED = "held_released", _("Held mail released")
        HELD_MAIL_DISCARDED = "held_discarded", _("Held mail discarded")
        INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
        INVOICE_CANCELLED = "invoice_cancelled", _("Invoice cancelled")
        DATA_EXPORTED = "data_exported", _("Personal data exported")
        USER_ERASED = "user_erased", _("User erased")
        CATEGORY_CHANGED = "category_changed", _("Categories changed")
        ISSUER_CHANGED = "issuer_changed", _("Issuer details changed")
        INVOICE_SENT = "invoice_sent", _("Invoice sent")
        PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
        HOUR_PACK_CHANGED = "hour_pack_changed", _("Hour pack changed")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        WEBHOOK_CHANGED = "webhook_changed", _("Webhook changed")
        ALERT_MAPPING_CHANGED = "alert_mapping_changed", _("Alert mapping changed")

    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as written at the time: the log must read the same after a rename.
    actor_label = models.CharField(_("by"), max_length=254, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(_("object"), max_length=254, blank=True)
    # {"field": [before, after]} where the event changes values.
    changes = models.JSONField(default=dict, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_list"),
            models.Index(fields=["kind", "-at"], name="audit_by_kind"),
            models.Index(fields=["actor", "-at"], name="audit_by_actor"),
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_by_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


class SignInAlert(models.Model):
    """An account whose password is being tried from many addresses: when its owner
    was last told, and the nonce of the one-click unlock link sent then (single use)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    alerted_at = models.DateTimeField()
    nonce = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} alerted {self.alerted_at:%Y-%m-%d %H:%M}"


class ThrottleHit(models.Model):
    """One counted request (a password reset asked, an invitation renewed) under a key:
    the client address or the (hashed) target. Rows older than the window are purged."""

    key = models.CharField(max_length=100)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="throttle_by_key"),
            models.Index(fields=["at"], name="throttle_by_age"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.at:%Y-%m-%d %H:%M}"


# A manager's request to remove a colleague, in its own module (a model of this app).
from ecmp.accounts.removal_models import RemovalRequest as RemovalRequest  # noqa: E402
