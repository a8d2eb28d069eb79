"""Service-level targets per priority and the business calendar they count in."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecmp.sla.priorities import Priority


class SlaTarget(models.Model):
    """How fast the support team answers and resolves, per priority, in business minutes."""

    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, unique=True
    )
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["-priority"]

    def __str__(self) -> str:
        return str(Priority(self.priority).label)


class BusinessHours(models.Model):
    """Opening hours of one weekday (0 = Monday); a weekday without a row is closed."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), unique=True)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_6"),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="opens_before_closes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.opens}-{self.closes}"


class Holiday(models.Model):
    day = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class Contract(models.Model):
    """A client's contract, versioned: what its tickets are promised and how it is billed.

    A new version is a new row from its start date; older rows are the history, never
    edited once a ticket or an invoice used them. The contract in force on a day is the
    organization's latest one started on or before it and not ended. Its service level
    overrides the default targets per priority (`ContractTarget`) and, when it has its
    own hours (`ContractHours`), the default business calendar; holidays stay global.
    Rates per activity are billing's (`billing.ContractRate`).
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    # Where invoices go: addresses separated by commas.
    billing_emails = models.CharField(_("billing contacts"), max_length=500, blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    # Stored compact (BE0403170701), checked with python-stdnum.
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    reverse_charge = models.BooleanField(_("EU reverse charge"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["organization", "-starts_on", "-pk"]
        indexes = [models.Index(fields=["organization", "-starts_on"], name="contract_in_force")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.starts_on}"


class ContractTarget(models.Model):
    """A contract's own targets for one priority, in business minutes."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "priority"], name="contract_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.priority}"


class ContractHours(models.Model):
    """A contract's own opening hours of one weekday (0 = Monday)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "weekday"], name="contract_hours_unique"),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="contract_hours_weekday_0_6"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="contract_hours_opens_before_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.weekday}: {self.opens}-{self.closes}"
