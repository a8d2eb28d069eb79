"""Tickets, their messages, attachments and the history of every change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ecmp.tickets.status import UNRESOLVED, Channel, Priority, Status


class TicketCounter(models.Model):
    """The last ticket number given; one row, locked while a ticket is created.

    A counter row (rather than MAX(number)+1) gives numbers that are unique and
    without gaps even when several processes create tickets at the same moment.
    """

    last_number = models.PositiveIntegerField()

    def __str__(self) -> str:
        return str(self.last_number)


class TicketManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        # The search document is for PostgreSQL's eyes only: never loaded, and so
        # never written back by a save() of a ticket loaded before it grew.
        return super().get_queryset().defer("search_document")


class Category(models.Model):
    """What a ticket is about (Hardware, Network…), named in English and French by admins.

    A category in use is never deleted (tickets keep it): it is made inactive, and
    then no longer offered for new tickets.
    """

    name_en = models.CharField(_("name in English"), max_length=80, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=80)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name_en"]

    def __str__(self) -> str:
        return self.name_en

    def label(self, language: str | None = None) -> str:
        """The name in `language` (the active language when None)."""
        return category_label(self.name_en, self.name_fr, language or get_language())


def category_label(name_en: str, name_fr: str, language: str | None) -> str:
    """A category's name in `language`: the French one when there is one, else the
    English one (`Category.label`, for names read without the model)."""
    return name_fr if (language or "en").startswith("fr") and name_fr else name_en


class Ticket(models.Model):
    number = models.PositiveIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    # What the customer asked for, kept beside what the support team decided.
    requested_priority = models.PositiveSmallIntegerField(
        _("requested priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # The client's contract in force when the ticket opened: its SLA clock (issue 19).
    contract = models.ForeignKey(
        "sla.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    # "Waiting for your answer": set by an agent who asked the customer a question,
    # cleared when the customer writes; the SLA clock stops meanwhile (issue 19).
    waiting_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    related_to = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # SLA deadlines, computed from the priority's targets and the business calendar.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # The next deadline that still matters (first response, then resolution); empty
    # once closed. Kept as a column so that queues sort and filter by it with an index.
    sla_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # The deadline whose breach was already announced, so it is announced once.
    sla_breach_notified_for = models.DateTimeField(null=True, blank=True)
    # Raised by every change: a desk form made on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Every text of the ticket for the desk's search (PostgreSQL; see tickets/search.py).
    # Its GIN index is made by migration 0002: Meta cannot declare it for SQLite too.
    search_document = SearchVectorField(null=True, editable=False)

    objects = TicketManager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The customer's lists: by requester (or organization), archived or not, status.
            models.Index(
                fields=["requester", "archived_at", "status", "-last_activity_at"],
                name="ticket_requester_list",
            ),
            models.Index(
                fields=["organization", "archived_at", "status", "-last_activity_at"],
                name="ticket_org_list",
            ),
            models.Index(fields=["status", "-last_activity_at"], name="ticket_status_list"),
            models.Index(
                fields=["assignee", "status", "-last_activity_at"], name="ticket_assignee"
            ),
            models.Index(fields=["archived_at", "status", "sla_due_at"], name="ticket_sla"),
            models.Index(fields=["status", "closed_at"], name="ticket_closed"),
            # The desk's default queue (every unresolved ticket, by deadline or by
            # activity) read in index order, and its counts read from the index alone.
            models.Index(
                fields=["sla_due_at", "-number"],
                include=["status", "assignee"],
                condition=models.Q(archived_at__isnull=True, status__in=UNRESOLVED),
                name="ticket_unresolved_due",
            ),
            models.Index(
                fields=["-last_activity_at", "-number"],
                condition=models.Q(archived_at__isnull=True, status__in=UNRESOLVED),
                name="ticket_unresolved_activity",
            ),
            models.Index(fields=["created_at"], name="ticket_created"),
            models.Index(
                fields=["category", "status", "-last_activity_at"], name="ticket_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.subject}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_messages"
    )
    body = models.TextField(_("text"))
    # Internal notes are for the support team only: never shown, notified or
    # mailed to a customer.
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"{self.ticket.number}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is never the uploaded one: no path tricks, no clashes.
    return f"attachments/{timezone.now():%Y/%m}/{instance.ticket_id}/{instance.storage_key}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    storage_key = models.CharField(max_length=64)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=150)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["ticket", "message"], name="attachment_ticket")]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Ticket created")
    # "Reply" the entry in a thread, not the button: French says "Réponse".
    REPLIED = "replied", pgettext_lazy("ticket event", "Reply")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    REOPENED = "reopened", _("Reopened")
    PRIORITY = "priority", _("Priority changed")
    ASSIGNED = "assigned", _("Assigned")
    ARCHIVED = "archived", _("Archived")
    UNARCHIVED = "unarchived", _("Unarchived")
    SLA_BREACH = "sla_breach", _("SLA breached")
    CATEGORY = "category", _("Category changed")
    FOLLOWER_ADDED = "follower_added", _("Follower added")
    FOLLOWER_REMOVED = "follower_gone", _("Follower removed")
    # "Waiting for your answer" (tickets/services/waiting.py): internal events, the
    # customer sees the mark on the ticket itself.
    WAITING_SET = "waiting_set", _("Waiting for the customer")
    WAITING_CLEARED = "waiting_clear", _("No longer waiting for the customer")


# The `to_value` of a creation that must not be acknowledged to its requester
# (mail from a machine: answering it could start a loop).
NOT_ACKNOWLEDGED = "not-acknowledged"


class TicketEvent(models.Model):
    """One change of a ticket: the audit history and the source of notifications."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Internal events (notes, assignments) never reach a customer.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # When its notifications and emails were made; a sweep redoes the ones left behind.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # How often its dispatch failed: the sweep takes the others first. A default in
    # the database too, for processes still running the code before it (an upgrade).
    dispatch_failures = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_thread"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class CannedReply(models.Model):
    """A ready answer an agent inserts in the composer, placeholders filled.

    One language per reply (a French and an English version are two replies):
    the picker offers the requester's language first. No owner: shared by the
    admins with the whole team; an owner: that agent's own.
    """

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["owner", "title"], name="canned_reply_owner")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


class TicketFollower(models.Model):
    """A person who follows a ticket besides its requester.

    A customer follower must belong to the ticket's organization: they see the
    ticket in their portal, get its public emails and notifications and may reply.
    An agent may follow any ticket. Internal notes reach no customer, followers
    included.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_follower_unique")
        ]
        # A person's followed tickets (the portal's list, the access check).
        indexes = [models.Index(fields=["user", "ticket"], name="follower_user")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.user_id}"


class SavedView(models.Model):
    """A queue's filters and sort saved under a name by an agent; admins may share it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=80)
    # The queue's query string (filters and sort), as the queue's own form reads it.
    query = models.CharField(_("filters"), max_length=500, blank=True)
    shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")
        ]
        indexes = [models.Index(fields=["shared", "name"], name="saved_view_shared")]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """Who has a ticket open in the desk right now, and whether they are writing.

    One row per agent and ticket, refreshed by the page's polling; a row older than
    a minute means gone. A table rather than a cache: every worker process sees it.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    typing = models.BooleanField(default=False)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_presence_unique")
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.user_id}"
