"""The parts of an invoice added by issue 19: its totals per VAT rate, free lines
(charges, and their copies on the invoice), and the issuer's details."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def quantity_text(quantity: Decimal) -> str:
    """37.500 as 37.5, 10.000 as 10 (never 1E+1)."""
    return format(quantity.normalize(), "f")


class ReferenceKind(models.TextChoices):
    OGM = "ogm", _("Belgian structured communication (+++123/4567/89012+++)")
    RF = "rf", _("ISO 11649 creditor reference (RF…)")


class InvoiceVatTotal(models.Model):
    """One VAT rate of an invoice: the net sum of its lines and the VAT on that sum,
    each to the cent (EN 16931: VAT per rate on the rate's net total)."""

    class Category(models.TextChoices):
        # EN 16931 VAT category codes (UNCL 5305).
        STANDARD = "S", _("Standard rate")
        ZERO = "Z", _("Zero rate")
        REVERSE_CHARGE = "AE", _("Reverse charge")

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="vat_totals"
    )
    category = models.CharField(max_length=2, choices=Category.choices)
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["invoice", "-rate", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "category", "rate"], name="invoice_vat_total_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.category} {self.rate}: {self.net} + {self.vat}"


class Charge(models.Model):
    """Something other than time billed to a client (travel, hardware, a fixed fee):
    pending until an invoice lists it, then locked like a time entry."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="charges"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["organization", "invoice", "date"], name="charge_pending")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.description}"

    @property
    def locked(self) -> bool:
        return self.invoice_id is not None

    @property
    def quantity_text(self) -> str:
        return quantity_text(self.quantity)


class InvoiceItem(models.Model):
    """A charge as the invoice shows it (a free line): a copy, never changed."""

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="items")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="invoice_items")
    date = models.DateField()
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.description} {self.amount}"

    @property
    def quantity_text(self) -> str:
        return quantity_text(self.quantity)


class IssuerProfile(models.Model):
    """Who issues the invoices: one row, edited by admins on the desk."""

    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    # Compact (BE0403170701), checked with python-stdnum.
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    company_number = models.CharField(_("company number"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    logo = models.FileField(_("logo"), upload_to="issuer/", max_length=300, blank=True)
    payment_reference_kind = models.CharField(
        _("payment reference"),
        max_length=3,
        choices=ReferenceKind.choices,
        default=ReferenceKind.OGM,
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("issuer details")
        verbose_name_plural = _("issuer details")

    def __str__(self) -> str:
        return self.legal_name or "—"
