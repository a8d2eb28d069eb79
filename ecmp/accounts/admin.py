from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecmp.accounts.models import Invitation, Organization, RegistrationRequest, User


class ReadOnly(admin.ModelAdmin):
    """Looked at here, changed only on the desk: there every change goes through the
    services, which check who may make it and record it in the audit log (a role,
    an activation, a priority lock or a revoked invitation changed here would not
    be); a person is erased there, never deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(ReadOnly):
    list_display = ["name", "active", "priority_locked", "created_at"]
    list_filter = ["active", "priority_locked"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(ReadOnly, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "organization", "role", "is_team_manager", "is_active"]
    list_filter = ["role", "is_active", "is_team_manager", "organization"]
    search_fields = ["email", "full_name", "username"]
    list_select_related = ["organization"]
    readonly_fields = ["date_joined", "activated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "username", "password"]}),
        (_("Person"), {"fields": ["full_name", "language", "organization"]}),
        (_("Role"), {"fields": ["role", "is_team_manager", "is_active"]}),
        (_("Dates"), {"fields": ["date_joined", "activated_at", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"fields": ["email", "full_name", "role", "organization", "password1", "password2"]},
        ),
    ]
    filter_horizontal = []


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    list_display = ["user", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "token_hash",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    search_fields = ["user__email"]


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(ReadOnly):
    list_display = ["email", "full_name", "organization", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["organization"]
    search_fields = ["email", "full_name"]


# Second factors are set up by their owner and reset on the desk (accounts/twofactor.py,
# audited): a device added or removed here would bypass the audit log and the
# User.has_authenticator flag the sign-in gate reads.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
