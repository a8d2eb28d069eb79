from django.contrib import admin

from ecmp.billing.models import (
    ActivityRate,
    ActivityType,
    BillingProfile,
    Charge,
    Invoice,
    InvoiceItem,
    InvoiceLine,
    InvoiceVatTotal,
    IssuerProfile,
    TimeEntry,
    TimeEntryChange,
)


@admin.register(ActivityType)
class ActivityTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "billable_by_default", "active"]


class ActivityRateInline(admin.TabularInline):
    model = ActivityRate
    extra = 1


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ["organization", "hourly_rate", "rounding_minutes", "currency", "vat_rate"]
    list_select_related = ["organization"]
    inlines = [ActivityRateInline]


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    """Read-only: time is changed through the desk, where every change is recorded."""

    list_display = ["ticket", "date", "agent", "minutes", "activity_type", "billable", "invoice"]
    list_select_related = ["ticket", "agent", "activity_type", "invoice"]
    list_filter = ["billable", "activity_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TimeEntryChange)
class TimeEntryChangeAdmin(TimeEntryAdmin):
    list_display = ["entry_id_value", "ticket", "action", "actor", "created_at"]
    list_select_related = ["ticket", "actor"]
    list_filter = ["action"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class InvoiceLineInline(_ReadOnlyInline):
    model = InvoiceLine


class InvoiceItemInline(_ReadOnlyInline):
    model = InvoiceItem


class InvoiceVatTotalInline(_ReadOnlyInline):
    model = InvoiceVatTotal


@admin.register(Invoice)
class InvoiceAdmin(TimeEntryAdmin):
    """An issued invoice is never edited: it is cancelled by a credit note, on the desk."""

    list_display = ["number", "kind", "status", "organization", "total_gross", "issued_at"]
    list_select_related = ["organization"]
    list_filter = ["kind", "status"]
    inlines = [InvoiceLineInline, InvoiceItemInline, InvoiceVatTotalInline]


@admin.register(Charge)
class ChargeAdmin(TimeEntryAdmin):
    """Read-only: charges are added and removed on the desk's draft invoice."""

    list_display = ["organization", "date", "description", "quantity", "unit_price", "invoice"]
    list_select_related = ["organization", "invoice"]
    list_filter = []


@admin.register(IssuerProfile)
class IssuerProfileAdmin(admin.ModelAdmin):
    """Read-only here: the desk's issuer page checks the numbers and the logo."""

    list_display = ["legal_name", "vat_number", "iban", "payment_reference_kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
