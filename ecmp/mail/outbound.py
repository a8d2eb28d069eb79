"""One function per kind of email, and the outbox they all go through.

Every email is rendered in its recipient's language and written as an
OutboundEmail row inside the caller's transaction; the worker sends it after
commit and retries with growing delays. No request ever waits for SMTP.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ecmp.accounts.models import Invitation, RegistrationRequest, User
from ecmp.core.links import absolute_url
from ecmp.mail import wakeups
from ecmp.mail.ids import make_message_id, plus_address
from ecmp.mail.models import InboundEmail, OutboundAttachment, OutboundEmail
from ecmp.tickets.models import Message, Ticket

# Notifications must not trigger auto-replies (RFC 3834, and Outlook's own header).
AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
# How far back a ticket's emails are read for threading headers.
THREAD_LOOKBACK = 500
# The immediate task sends at once; the sweep only picks a row up if that was lost.
SWEEP_GRACE = timedelta(minutes=2)


def _render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    context = {"company_name": settings.ECMP_COMPANY_NAME, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


class TicketMail:
    """The emails of one event about its ticket (or of one email, without an event).

    A dispatch writes to the requester and to each agent about the same ticket, so
    it reads once the ticket's recent emails both ways, (when, to or from,
    Message-ID), for the threading headers — at the first email, unless the batch
    read them already — and adds each email it queues. And it renders an agents'
    email once for every agent who reads the same language (nothing in these emails
    names their reader). An event's emails are written together when the dispatch
    gives it an `outbox` batch.
    """

    def __init__(
        self,
        ticket: Ticket,
        recent: list[tuple] | None = None,
        *,
        outbox: OutboxBatch | None = None,
    ) -> None:
        self.ticket = ticket
        self._recent = recent
        self.outbox = outbox
        self.rendered: dict[tuple, tuple[str, str, str]] = {}

    def recent(self) -> list[tuple]:
        if self._recent is None:
            self._recent = _recent_mail([self.ticket.pk])[self.ticket.pk]
        return self._recent


def mail_threads_preload(tickets: list[Ticket]) -> dict[int, list[tuple]]:
    """The recent emails of a batch's tickets, read at once (two queries, not two per
    ticket), by ticket id for their `TicketMail`. A ticket that comes twice in the
    batch is left out: it reads its own when its turn comes, and by then the batch's
    earlier events have written to it."""
    seen = Counter(ticket.pk for ticket in tickets)
    alone = [ticket.pk for ticket in tickets if seen[ticket.pk] == 1]
    return _recent_mail(alone) if alone else {}


def _recent_mail(ticket_ids: list[int]) -> dict[int, list[tuple]]:
    """The last THREAD_LOOKBACK emails each way of each of these tickets."""

    def recent(rows: QuerySet, when: str) -> QuerySet:
        rank = Window(RowNumber(), partition_by=F("ticket_id"), order_by=F(when).desc())
        return (
            rows.filter(ticket_id__in=ticket_ids)
            .annotate(rank=rank)
            .filter(rank__lte=THREAD_LOOKBACK)
        )

    threads: dict[int, list[tuple]] = {pk: [] for pk in ticket_ids}
    sent = recent(OutboundEmail.objects.all(), "created_at")
    for ticket_id, when, to, mid in sent.values_list("ticket_id", "created_at", "to", "message_id"):
        threads[ticket_id].append((when, tuple(to), mid))
    received = recent(
        InboundEmail.objects.filter(outcome__in=["reply", "ticket_created"]).exclude(message_id=""),
        "received_at",
    )
    for ticket_id, when, sender, mid in received.values_list(
        "ticket_id", "received_at", "sender", "message_id"
    ):
        threads[ticket_id].append((when, (sender,), mid))
    return threads


def _thread_ids(mail: TicketMail, recipient: str) -> list[str]:
    """Message-IDs of this recipient's conversation about the ticket, oldest first.

    Only what was sent to them or received from them: a third party's mail that an
    agent attached to the ticket must not show up in the customer's headers.
    """
    thread = sorted((when, mid) for when, people, mid in mail.recent() if people == (recipient,))
    return [message_id for _when, message_id in thread][-10:]


def queue_email(
    *,
    kind: str,
    to: str,
    language: str,
    template: str = "",
    context: dict[str, Any] | None = None,
    rendered: tuple[str, str, str] | None = None,
    ticket: Ticket | None = None,
    mail: TicketMail | None = None,
    automatic: bool = True,
    outbox: OutboxBatch | None = None,
    files: Sequence[tuple[str, bytes, str]] = (),
) -> OutboundEmail:
    """Write one email to the outbox: `template` rendered with `context` in the
    recipient's language, or its (subject, text, html) already `rendered`; about a
    `ticket`, or about `mail.ticket` among the other emails of its event. At once,
    or with the other emails of an `outbox` batch at its end. `files` (name, bytes,
    content type) are attached; an email with files is written at once."""
    subject, text, html = rendered or _render(template, context or {}, language)
    headers = dict(AUTOMATIC) if automatic else {}
    reply_to = settings.ECMP_FROM_ADDRESS
    if mail is None and ticket is not None:
        mail = TicketMail(ticket)
    if mail is not None:
        ticket = mail.ticket
        subject = f"[#{ticket.number}] {subject}"
        thread = _thread_ids(mail, to)
        if thread:
            headers["In-Reply-To"] = thread[-1]
            headers["References"] = " ".join(thread)
        if settings.ECMP_MAIL_PLUS_ADDRESSING:
            reply_to = plus_address(reply_to, ticket.number, to)
    headers["Reply-To"] = reply_to
    email = OutboundEmail(
        kind=kind,
        to=[to],
        subject=subject[:300],
        text=text,
        html=html,
        headers=headers,
        # Carries the recipient's reply token: their answer proves who wrote it.
        message_id=make_message_id(ticket.number if ticket else None, to),
        ticket=ticket,
        next_attempt_at=timezone.now() + SWEEP_GRACE,
    )
    if mail is not None:
        mail.recent().append((email.created_at, (to,), email.message_id))
    if files:
        _write([email], files)
    elif outbox is not None:
        outbox.add(email)  # written with the batch's others, at its end
    else:
        _write([email])
    return email


class OutboxBatch:
    """Emails written together, in one statement, at the end of a `with` block: the
    emails of one event (an acknowledgement and a notice for each agent), passed
    explicitly to `queue_email` (or on the event's `TicketMail`). If the block
    fails, none is written.

    Only what is added in the savepoint the batch was made in waits for its end: an
    email queued in a savepoint opened inside the block is written there, and rolled
    back with it.
    """

    def __init__(self) -> None:
        self._savepoint = _savepoint_ids()
        self._emails: list[OutboundEmail] = []

    def add(self, email: OutboundEmail) -> None:
        if _savepoint_ids() == self._savepoint:
            self._emails.append(email)
        else:
            _write([email])

    def write(self) -> None:
        emails, self._emails = self._emails, []
        _write(emails)

    def __enter__(self) -> OutboxBatch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.write()
        else:
            self._emails = []


def _savepoint_ids() -> tuple[str, ...]:
    return tuple(transaction.get_connection().savepoint_ids)


def _write(emails: list[OutboundEmail], files: Sequence[tuple[str, bytes, str]] = ()) -> None:
    written = OutboundEmail.objects.bulk_create(emails)
    OutboundAttachment.objects.bulk_create(
        OutboundAttachment(email=email, filename=name, content=content, content_type=kind)
        for email in written
        for name, content, kind in files
    )
    for email in written:
        wakeups.outbox_send_after_commit(email.pk)


# --- Accounts ------------------------------------------------------------------


def send_invitation(invitation: Invitation, token: str) -> None:
    user = invitation.user
    queue_email(
        kind="invitation",
        to=user.email,
        template="invitation",
        language=user.language,
        context={
            "user": user,
            "link": absolute_url(reverse("accounts:activate", args=[token])),
            "expires_at": invitation.expires_at,
        },
    )


def send_password_reset(user: User, link: str) -> None:
    queue_email(
        kind="password_reset",
        to=user.email,
        template="password_reset",
        language=user.language,
        context={"user": user, "link": link},
    )


def send_signin_alert(user: User, unlock_token: str) -> None:
    """ "Someone is trying your password", with the single-use unlock link."""
    queue_email(
        kind="signin_alert",
        to=user.email,
        template="signin_alert",
        language=user.language,
        context={
            "user": user,
            "link": absolute_url(reverse("accounts:signin-unlock", args=[unlock_token])),
            "hours": settings.ECMP_SIGNIN_UNLOCK_HOURS,
        },
    )


def send_registration_answered(request: RegistrationRequest) -> None:
    manager = request.requested_by
    queue_email(
        kind="registration_answered",
        to=manager.email,
        template="registration_answered",
        language=manager.language,
        context={
            "manager": manager,
            "request": request,
            "link": absolute_url(reverse("portal:team-requests")),
        },
    )


# --- Tickets, to the customer ------------------------------------------------------


def _customer_context(ticket: Ticket, person: User | None = None, **extra: Any) -> dict[str, Any]:
    link = absolute_url(reverse("portal:ticket-detail", args=[ticket.number]))
    return {"ticket": ticket, "user": person or ticket.requester, "link": link, **extra}


def _to_requester(
    mail: TicketMail, kind: str, *, automatic: bool = True, to: User | None = None, **extra: Any
) -> None:
    """An email about the ticket to its requester, or `to` one of its followers (each
    with their own reply token); the template has the kind's name."""
    ticket = mail.ticket
    requester = to or ticket.requester
    queue_email(
        kind=kind,
        to=requester.email,
        template=kind,
        language=requester.language,
        context=_customer_context(ticket, requester, **extra),
        mail=mail,
        automatic=automatic,
        outbox=mail.outbox,
    )


def send_ticket_received(mail: TicketMail) -> None:
    """The acknowledgement of a ticket opened by email."""
    _to_requester(mail, "ticket_received")


def send_ticket_accepted(mail: TicketMail, to: User | None = None) -> None:
    _to_requester(mail, "ticket_accepted", to=to)


def send_agent_reply(mail: TicketMail, message: Message, to: User | None = None) -> None:
    """An agent's public reply, in full, with links to its files."""
    if message.internal:  # never, by any path
        return
    _to_requester(
        mail, "ticket_reply", automatic=False, to=to, message=message, files=_files(mail, message)
    )


def _files(mail: TicketMail, message: Message) -> list[tuple[str, str]]:
    """Links to a public message's files, in the customer's portal."""
    number = mail.ticket.number
    return [
        (
            attachment.original_name,
            absolute_url(reverse("portal:attachment-download", args=[number, attachment.pk])),
        )
        for attachment in message.attachments.all()
    ]


def send_ticket_closed(
    mail: TicketMail, note: Message | None = None, to: User | None = None
) -> None:
    """The close, with the note the agent closed it with (public, or not sent)."""
    if note is not None and note.internal:  # never, by any path
        note = None
    # A reply sent with "Send and close" is the note, with its files.
    files = _files(mail, note) if note is not None else []
    _to_requester(mail, "ticket_closed", to=to, note=note, files=files)


def send_ticket_follower_added(mail: TicketMail, follower: User, by: User | None) -> None:
    """To a customer someone else made a follower: what it means, and the link."""
    _to_requester(mail, "ticket_follower_added", to=follower, added_by=by)


def send_attachment_refused(
    *, to: str, language: str, subject: str, refused: list[str], ticket: Ticket | None
) -> None:
    queue_email(
        kind="attachment_refused",
        to=to,
        template="attachment_refused",
        language=language,
        context={"subject": subject, "refused": refused, "ticket": ticket},
        ticket=ticket,
    )


def send_unknown_sender(*, to: str, subject: str, language: str) -> None:
    queue_email(
        kind="unknown_sender",
        to=to,
        template="unknown_sender",
        language=language,
        context={"subject": subject, "portal": absolute_url("/")},
    )


# --- Tickets, to the support team ------------------------------------------------------


def _to_agent(mail: TicketMail, agent: User, kind: str, **extra: Any) -> None:
    # Rendered once per event for every agent who reads the same language.
    ticket, rendered = mail.ticket, mail.rendered
    key = (kind, agent.language, tuple((name, getattr(v, "pk", v)) for name, v in extra.items()))
    if key not in rendered:
        link = absolute_url(reverse("desk:ticket-detail", args=[ticket.number]))
        context = {"ticket": ticket, "link": link, **extra}
        rendered[key] = _render(kind, context, agent.language)
    queue_email(
        kind=kind,
        to=agent.email,
        rendered=rendered[key],
        language=agent.language,
        mail=mail,
        outbox=mail.outbox,
    )


def send_agent_new_ticket(mail: TicketMail, agent: User) -> None:
    _to_agent(mail, agent, "agent_new_ticket")


def send_agent_customer_reply(mail: TicketMail, agent: User, message: Message) -> None:
    _to_agent(mail, agent, "agent_customer_reply", message=message)


def send_agent_customer_closed(mail: TicketMail, agent: User, customer: User) -> None:
    _to_agent(mail, agent, "agent_customer_closed", customer=customer)


def send_agent_sla_breach(mail: TicketMail, agent: User, what: str) -> None:
    _to_agent(mail, agent, "agent_sla_breach", what=what)


def send_held_in_your_name(*, agent: User, inbound: InboundEmail) -> None:
    """Mail in an agent's name that nothing proves is theirs is held: tell them."""
    queue_email(
        kind="held_in_your_name",
        to=agent.email,
        template="held_in_your_name",
        language=agent.language,
        # Nothing of the message itself: a forger wrote it, and this email comes from us.
        context={
            "agent": agent,
            "link": absolute_url(reverse("desk:mail-inbound", args=[inbound.pk])),
        },
    )


# --- The support team's digest ---------------------------------------------------

STAFF_DIGEST = "staff_digest"


def send_staff_digest(agents: list[User], counts: dict[str, int], *, at: datetime) -> int:
    """What waits for the support team (mail/digest.py), to each agent, in one
    statement; rendered once per language. `at`: when it counted, which the next
    digest counts from."""
    context = {
        **counts,
        "mail_link": absolute_url(reverse("desk:mail")),
        "requests_link": absolute_url(reverse("desk:registration-requests")),
    }
    rendered: dict[str, tuple[str, str, str]] = {}
    with OutboxBatch() as outbox:
        for agent in agents:
            if agent.language not in rendered:
                rendered[agent.language] = _render(STAFF_DIGEST, context, agent.language)
            email = queue_email(
                kind=STAFF_DIGEST,
                to=agent.email,
                language=agent.language,
                rendered=rendered[agent.language],
                outbox=outbox,
            )
            email.created_at = at
    return len(agents)
