"""Sending and payment of invoices (issue 19 §5): each dispatch (the invoice sent, a
reminder) and each payment received, recorded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InvoiceDispatch(models.Model):
    """An invoice emailed to the client's billing contacts: when, to whom, by whom."""

    class Kind(models.TextChoices):
        SENT = "sent", pgettext_lazy("invoice", "Sent")
        REMINDER = "reminder", _("Reminder")

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="dispatches"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to = models.JSONField(_("recipients"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    # None for a reminder sent by the periodic job.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["invoice", "at"], name="invoice_dispatch_by_invoice")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.kind} {self.at:%Y-%m-%d}"


class Payment(models.Model):
    """Money received for an invoice, recorded by an admin by hand or from a bank
    statement's line matched by its payment reference."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        STATEMENT = "statement", _("Bank statement")

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="payments"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["invoice", "date"], name="payment_by_invoice")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.amount} {self.date}"
