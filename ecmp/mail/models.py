"""Mail in and out. Nothing is lost: every message is a row before anything else."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """An email waiting to be sent, sent, or failed after a day of retries."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Claimed by a worker; `next_attempt_at` is then the end of its lease.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=40)
    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    message_id = models.CharField(max_length=250, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbound_emails",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["ticket", "created_at"], name="outbox_thread"),
            models.Index(fields=["kind", "created_at"], name="outbox_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)}"


class OutboundAttachment(models.Model):
    """A file sent with an outgoing email (an invoice's PDF and UBL): its bytes are
    kept with the email, so a retry a day later sends exactly the same file."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Verification(models.TextChoices):
    """Whether the sender of an incoming message is proven (mail/inbound/verify.py)."""

    VERIFIED = "verified", _("Verified sender")
    UNVERIFIED = "unverified", _("Sender not verified")
    # The sender's domain says the message is not theirs (DMARC fail).
    FAILED = "failed", _("Sender authentication failed")


class InboundEmail(models.Model):
    """A received message, stored raw before it is parsed."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        HELD = "held", _("Held")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    # The Message-ID, or a hash of the bytes when it has none: the same message
    # delivered twice (two pollers, a retrying MTA) is kept and processed once.
    dedupe_key = models.CharField(max_length=300, unique=True)
    message_id = models.CharField(max_length=300, blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=20)  # imap, mailgate, smtp
    envelope_to = models.JSONField(default=list, blank=True)
    # The SMTP envelope sender (MAIL FROM), where the way in knew it: evidence only.
    envelope_from = models.CharField(max_length=254, blank=True)
    # Counts against the quotas of held mail (ECMP_MAIL_HELD_*): a stranger's mail
    # from the door, and whatever routing held or ignored rather than took in (an
    # agent taking it in frees it).
    in_held_quota = models.BooleanField(default=False)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.CharField(_("outcome"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who wrote it, as proven (verify.py): the verdict and the evidence behind it,
    # kept when a held message is released.
    verification = models.CharField(
        _("sender verification"), max_length=12, choices=Verification.choices, blank=True
    )
    evidence = models.JSONField(default=list, blank=True)
    # The reply it became, for the mark on the desk's thread (a new ticket's opening
    # text is `ticket` with the outcome "ticket_created").
    reply = models.OneToOneField(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_email",
    )
    # Held, discarded and ignored mail keeps its raw bytes ECMP_MAIL_HELD_DAYS only;
    # the row (sender, subject, decision) stays.
    raw_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbox_status"),
            models.Index(fields=["sender", "outcome", "received_at"], name="inbox_sender"),
            models.Index(fields=["ticket", "received_at"], name="inbox_thread"),
            # The held-mail quotas: what held mail still occupies, per sender.
            models.Index(
                fields=["sender"],
                include=["size"],
                condition=models.Q(in_held_quota=True, raw_purged_at__isnull=True),
                name="inbox_held_bytes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class InboundDecision(models.Model):
    """What an agent decided about a held message (the audit trail of held mail)."""

    class Action(models.TextChoices):
        RELEASED = "released", _("Released")
        TICKET_CREATED = "ticket_created", _("Ticket created")
        ATTACHED = "attached", _("Added to a ticket")
        DISCARDED = "discarded", _("Discarded")

    inbound = models.ForeignKey(InboundEmail, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    # The verification the message had when the agent decided.
    verification = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("decision on incoming email")
        verbose_name_plural = _("decisions on incoming email")
        indexes = [models.Index(fields=["inbound", "created_at"], name="inbox_decisions")]

    def __str__(self) -> str:
        return f"{self.inbound_id} {self.action}"
