"""Monitoring alerts that became tickets: one group per alert (its dedup key) while its
ticket is not closed, and the admins' mapping from an Alertmanager label to a client."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecmp.accounts.models import Organization
from ecmp.tickets.models import Ticket

DEDUP_KEY_MAX = 200
EXCERPT_MAX = 2000


class AlertGroup(models.Model):
    """Every firing of one alert (organization, dedup key) counted on one ticket.

    `open` while new firings count here; it ends when its ticket is found closed, and
    the next firing then opens a new group and a new ticket. The partial unique
    constraint keeps one open group per key: an alert storm's concurrent posts race
    on it, and the losers retry and count into the winner's group (services.py)."""

    class Source(models.TextChoices):
        API = "api", _("API")
        ALERTMANAGER = "alertmanager", _("Alertmanager")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    dedup_key = models.CharField(_("dedup key"), max_length=DEDUP_KEY_MAX)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    # Whose token posted the first firing: the audit of who opened the ticket.
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    open = models.BooleanField(default=True)
    count = models.PositiveIntegerField(_("firings"), default=1)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    # Set by a "resolved" alert; a later firing on the same open ticket clears it.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # The count and time of the last note about repeats: at most one an hour.
    noted_count = models.PositiveIntegerField(default=1)
    noted_at = models.DateTimeField(default=timezone.now)
    severity = models.CharField(_("severity"), max_length=50, blank=True)
    last_payload = models.TextField(_("last alert"), blank=True)

    class Meta:
        verbose_name = _("alert group")
        verbose_name_plural = _("alert groups")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "dedup_key"],
                condition=Q(open=True),
                name="alert_group_one_open",
            )
        ]
        indexes = [models.Index(fields=["ticket"], name="alert_group_ticket")]

    def __str__(self) -> str:
        return f"{self.dedup_key} ({self.count})"


class AlertMapping(models.Model):
    """An Alertmanager label's value that names a client: e.g. `customer=acme` → Acme,
    its tickets opened for `requester`. Used when a support team's token posts."""

    label = models.CharField(_("label"), max_length=100)
    value = models.CharField(_("value"), max_length=200)
    organization = models.ForeignKey(
        Organization, verbose_name=_("client"), on_delete=models.CASCADE, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alert mapping")
        verbose_name_plural = _("alert mappings")
        constraints = [
            models.UniqueConstraint(fields=["label", "value"], name="alert_mapping_unique")
        ]
        ordering = ["label", "value"]

    def __str__(self) -> str:
        return f"{self.label}={self.value}"
