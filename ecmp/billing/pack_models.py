"""Prepaid hours (issue 19 §2): packs of hours sold to a client, drawn down by its
billable time, oldest valid pack first."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HourPack(models.Model):
    """A number of hours a client bought in advance. Billable time dated from its sale
    to its expiry draws from it; what an invoice drew is recorded on the invoice's
    lines (InvoiceLine.pack), what is not invoiced yet is worked out when read."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="hour_packs"
    )
    sold_on = models.DateField(_("date"), default=timezone.localdate)
    # Minutes: what the time entries count in; the forms read and show hours.
    minutes = models.PositiveIntegerField(_("hours"), validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The sale on an invoice: a pending charge made with the pack (None if it was
    # billed elsewhere).
    charge = models.OneToOneField(
        "billing.Charge",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hour_pack",
    )
    # The highest threshold (percent used) already announced for the client's packs:
    # each is emailed once; a new pack starts again from 0.
    alert_level = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hour pack")
        verbose_name_plural = _("hour packs")
        ordering = ["sold_on", "id"]
        indexes = [models.Index(fields=["organization", "sold_on"], name="hour_pack_by_org")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.minutes} min {self.sold_on}"
