"""Service-level targets per priority and the business calendar they count in."""

from __future__ import annotations

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
