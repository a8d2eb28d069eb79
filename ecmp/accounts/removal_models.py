"""A team manager's request to remove a colleague who left (issue 20, §4).

In its own module, so that models.py stays small; models.py imports it, so the
app's models are found as before. Approved, the person's account is deactivated,
never deleted: their tickets and history stay.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RemovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="removal_requests",
    )
    person = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="removal_requests",
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("why declined"), blank=True)

    class Meta:
        app_label = "accounts"
        verbose_name = _("removal request")
        verbose_name_plural = _("removal requests")
        ordering = ["-created_at"]
        constraints = [
            # One waiting request per person; answered ones stay as history.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending"),
                name="removal_request_pending_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="removal_request_by_status"),
            models.Index(fields=["organization", "-created_at"], name="removal_request_by_org"),
        ]

    def __str__(self) -> str:
        return f"removal of user {self.person_id}"
