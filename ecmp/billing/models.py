"""Time spent on tickets, what it costs, and the invoices that list it by ticket number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecmp.billing.invoice_models import (  # the invoice's parts, in their own module
    Charge,
    InvoiceItem,
    InvoiceVatTotal,
    IssuerProfile,
    ReferenceKind,
)
from ecmp.billing.pack_models import HourPack
from ecmp.billing.payment_models import InvoiceDispatch, Payment
from ecmp.billing.references import reference_display

__all__ = [
    "ActivityRate",
    "ActivityType",
    "BillingProfile",
    "Charge",
    "ContractRate",
    "HourPack",
    "Invoice",
    "InvoiceCounter",
    "InvoiceDispatch",
    "InvoiceItem",
    "InvoiceLine",
    "InvoiceVatTotal",
    "IssuerProfile",
    "Payment",
    "TimeEntry",
    "TimeEntryChange",
]


def default_vat_rate() -> Decimal:
    return Decimal(settings.ECMP_VAT_RATE)


def default_currency() -> str:
    return settings.ECMP_CURRENCY


class ActivityType(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    billable_by_default = models.BooleanField(_("billable by default"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BillingProfile(models.Model):
    """How a client company is billed."""

    class Rounding(models.IntegerChoices):
        NONE = 1, _("to the minute")
        FIVE = 5, _("up to 5 minutes")
        TEN = 10, _("up to 10 minutes")
        QUARTER = 15, _("up to 15 minutes")
        HALF = 30, _("up to 30 minutes")
        HOUR = 60, _("up to 1 hour")

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="billing"
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("80.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        _("rounding of each entry"), choices=Rounding.choices, default=Rounding.QUARTER
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=default_vat_rate,
        validators=[MinValueValidator(Decimal(0))],
    )
    show_time_to_users = models.BooleanField(
        _("users see the time spent on their tickets"), default=True
    )

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")

    def __str__(self) -> str:
        return str(self.organization)


class ActivityRate(models.Model):
    """A client's own rate for one kind of work, instead of its hourly rate."""

    profile = models.ForeignKey(BillingProfile, on_delete=models.CASCADE, related_name="rates")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.CASCADE, related_name="+")
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "activity_type"], name="one_rate_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_type}: {self.hourly_rate}"


class ContractRate(models.Model):
    """A contract's hourly rate for one kind of work (issue 19): it wins over the
    client's own rates while that contract is in force."""

    contract = models.ForeignKey("sla.Contract", on_delete=models.CASCADE, related_name="rates")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.PROTECT, related_name="+")
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "activity_type"], name="contract_rate_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.activity_type_id}: {self.hourly_rate}"


class TimeEntry(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="time_entries"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    minutes = models.PositiveIntegerField(_("minutes"))
    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="entries", verbose_name=_("activity")
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    # Set when an invoice lists the entry: from then on it is locked.
    invoice = models.ForeignKey(
        "Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["ticket", "date"], name="time_by_ticket"),
            models.Index(fields=["invoice", "billable", "date"], name="time_to_invoice"),
            models.Index(fields=["agent", "date"], name="time_by_agent"),
            models.Index(fields=["date"], name="time_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.minutes} min"

    @property
    def locked(self) -> bool:
        return self.invoice_id is not None


class TimeEntryChange(models.Model):
    """Every change of a time entry: who, when, what it was and what it became."""

    entry_id_value = models.PositiveBigIntegerField()
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10)  # created, updated, deleted
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="time_change_ticket")]

    def __str__(self) -> str:
        return f"{self.entry_id_value} {self.action}"


class InvoiceCounter(models.Model):
    """The last invoice number of a year; locked while an invoice is issued."""

    year = models.PositiveIntegerField(unique=True)
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_sequence}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        # draft -> issued -> sent -> partly paid -> paid; "overdue" is not stored: an
        # issued, sent or partly paid invoice past its due date (see `is_overdue`).
        ISSUED = "issued", _("Issued")
        SENT = "sent", pgettext_lazy("invoice", "Sent")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled by a credit note")

    # The states in which the client still owes money.
    UNPAID = (Status.ISSUED, Status.SENT, Status.PARTLY_PAID)

    ReferenceKind = ReferenceKind

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # Room for the states of sending and payment (issue 19 §5).
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUED)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="invoices"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    currency = models.CharField(max_length=3)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    total_net = models.DecimalField(_("total without VAT"), max_digits=12, decimal_places=2)
    total_vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    total_gross = models.DecimalField(_("total with VAT"), max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cancels = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    # What the document says, copied at issue: a later change of the contract or of
    # the issuer's details never changes an issued invoice.
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    payment_reference_kind = models.CharField(
        max_length=3, choices=ReferenceKind.choices, blank=True
    )
    # Compact (202600001294, RF…): unique among invoices that carry one.
    payment_reference = models.CharField(_("payment reference"), max_length=35, blank=True)
    contract = models.ForeignKey(
        "sla.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    reverse_charge = models.BooleanField(default=False)
    issuer_name = models.CharField(max_length=200, blank=True)
    issuer_address = models.TextField(blank=True)
    issuer_vat_number = models.CharField(max_length=20, blank=True)
    issuer_company_number = models.CharField(max_length=20, blank=True)
    issuer_iban = models.CharField(max_length=34, blank=True)
    issuer_bic = models.CharField(max_length=11, blank=True)
    issuer_email = models.CharField(max_length=254, blank=True)
    issuer_phone = models.CharField(max_length=40, blank=True)
    # The logo's name in the storage: a new logo is a new file, this one stays.
    issuer_logo = models.CharField(max_length=300, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    client_address = models.TextField(blank=True)
    client_vat_number = models.CharField(max_length=20, blank=True)
    client_emails = models.CharField(max_length=500, blank=True)
    # Sending and payment (issue 19 §5); `payments` and `dispatches` hold the history.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    amount_paid = models.DecimalField(
        _("paid"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    reminder_count = models.PositiveSmallIntegerField(_("reminders"), default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-issued_at"], name="invoice_by_org"),
            # The reminders' job and the receivables report: unpaid invoices by due date.
            models.Index(fields=["status", "due_date"], name="invoice_by_state_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_reference"],
                condition=~models.Q(payment_reference=""),
                name="invoice_payment_reference_unique",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def payment_reference_display(self) -> str:
        """+++202/6000/01206+++ or RF36 2026 0000 12, as the client types it."""
        return reference_display(self.payment_reference_kind, self.payment_reference)

    @property
    def amount_due(self) -> Decimal:
        return self.total_gross - self.amount_paid

    def is_overdue(self, today: date) -> bool:
        return (
            self.kind == self.Kind.INVOICE
            and self.status in self.UNPAID
            and self.due_date is not None
            and self.due_date < today
        )


class InvoiceLine(models.Model):
    """One time entry as the invoice shows it; a copy, so the invoice never changes."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    entry = models.ForeignKey(TimeEntry, on_delete=models.PROTECT, related_name="invoice_lines")
    ticket_number = models.PositiveIntegerField()
    ticket_subject = models.CharField(max_length=200)
    requester_name = models.CharField(max_length=150)
    date = models.DateField()
    agent_name = models.CharField(max_length=150)
    activity = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    minutes = models.PositiveIntegerField()
    billed_minutes = models.PositiveIntegerField()
    # Set when these billed minutes are drawn from a prepaid pack (amount 0): an entry
    # split across packs, or beyond them, has one line per part.
    pack = models.ForeignKey(
        "billing.HourPack",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["ticket_number", "date", "id"]
        indexes = [models.Index(fields=["invoice", "ticket_number"], name="invoice_line_order")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.ticket_number} {self.amount}"
