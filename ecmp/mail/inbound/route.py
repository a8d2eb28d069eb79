"""Where a received message goes: a reply on a ticket, a new ticket, held, or ignored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecmp.accounts.models import User
from ecmp.accounts.services import users_bouncing_mark
from ecmp.mail import outbound
from ecmp.mail.ids import (
    is_our_address,
    looks_like_foreign_ecmp_id,
    ticket_number_from_addresses,
    ticket_number_from_ids,
    ticket_number_from_subject,
)
from ecmp.mail.inbound.bounces import bounced_addresses
from ecmp.mail.inbound.copies import follow_copied, follower_gone_hold
from ecmp.mail.inbound.noise import classify
from ecmp.mail.inbound.parse import ParsedAttachment, ParsedMail, parse_message
from ecmp.mail.inbound.quotes import strip_quotes
from ecmp.mail.inbound.verify import Verdict, verify_sender
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.tickets import services
from ecmp.tickets.attachments import clean_filename, is_dangerous
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Channel, Priority

logger = logging.getLogger(__name__)

Status = InboundEmail.Status


def _finish(row: InboundEmail, status: str, outcome: str, reason: str = "", ticket=None) -> None:
    row.status, row.outcome, row.reason = status, outcome, reason[:2000]
    # Held or ignored, whoever it claims to be from: it counts against the held-mail
    # quotas, so that mail forged in a registered name cannot pile up either.
    row.in_held_quota = status in (Status.HELD, Status.IGNORED)
    if ticket is not None:
        row.ticket = ticket


def _can_write(user: User | None) -> TypeGuard[User]:
    """Whether this person may write to the desk by mail (True only for a User)."""
    if user is None or not user.is_active:
        return False
    return user.is_support_staff or (user.organization is not None and user.organization.active)


def _window_start() -> datetime:
    return timezone.now() - timedelta(hours=settings.ECMP_MAIL_SENDER_WINDOW_HOURS)


def _tickets_opened(senders: set[str]) -> dict[str, int]:
    """How many tickets each of these senders opened by mail within the window."""
    if not senders:
        return {}
    recent = InboundEmail.objects.filter(
        sender__in=senders, outcome="ticket_created", received_at__gte=_window_start()
    )
    return dict(
        recent.values("sender").annotate(opened=Count("pk")).values_list("sender", "opened")
    )


def _over_ticket_limit(sender: str, batch: Batch) -> bool:
    opened = batch.tickets_opened if batch.tickets_opened is not None else _tickets_opened({sender})
    return opened.get(sender, 0) >= settings.ECMP_MAIL_SENDER_LIMIT


ANSWERS = ("ticket_received", "unknown_sender", "attachment_refused")


def _over_answer_limit(address: str, kinds: tuple[str, ...] = ANSWERS) -> bool:
    recent = OutboundEmail.objects.filter(
        to=[address],
        kind__in=kinds,
        created_at__gte=_window_start(),
    )
    return recent.count() >= settings.ECMP_MAIL_SENDER_LIMIT


def mail_files(mail: ParsedMail, language: str, ticket: Ticket | None = None):
    """The attachments a ticket accepts, and a line for each that it does not.

    The untouched message is not among them: agents download it from the desk
    (it is the stored raw message), customers see their own text and files.
    """
    attachments = list(mail.attachments)
    if mail.text_from_html and mail.html:
        # The sanitised HTML, for a look at the layout the text version lost.
        attachments.append(ParsedAttachment("message.html", "text/html", mail.html.encode()))
    accepted, refused = [], []
    dropped = len(attachments) - settings.ECMP_MAIL_MAX_PARTS
    if dropped > 0:
        # Thousands of tiny parts would make thousands of files on one page.
        attachments = attachments[: settings.ECMP_MAIL_MAX_PARTS]
        with translation.override(language):
            refused.append(
                ngettext(
                    "%(count)s more attachment was not added: at most %(limit)s are kept "
                    "from one message.",
                    "%(count)s more attachments were not added: at most %(limit)s are kept "
                    "from one message.",
                    dropped,
                )
                % {"count": dropped, "limit": settings.ECMP_MAIL_MAX_PARTS}
            )
    total = 0
    if attachments and ticket is not None:
        total = ticket.attachments.aggregate(total=Sum("size"))["total"] or 0
    for attachment in attachments:
        name = clean_filename(attachment.name)
        size = len(attachment.data)
        with translation.override(language):
            if size > settings.ECMP_ATTACHMENT_MAX_BYTES:
                refused.append(
                    _("“%(name)s” (%(size)s) was not added: the limit is %(limit)s per file.")
                    % {
                        "name": name,
                        "size": filesizeformat(size),
                        "limit": filesizeformat(settings.ECMP_ATTACHMENT_MAX_BYTES),
                    }
                )
                continue
            if is_dangerous(name, attachment.data):
                refused.append(
                    _("“%(name)s” was not added: programs and scripts are not accepted.")
                    % {"name": name}
                )
                continue
            if total + size > settings.ECMP_TICKET_ATTACHMENTS_MAX_BYTES:
                refused.append(
                    _("“%(name)s” was not added: the files of a ticket may not exceed %(limit)s.")
                    % {
                        "name": name,
                        "limit": filesizeformat(settings.ECMP_TICKET_ATTACHMENTS_MAX_BYTES),
                    }
                )
                continue
        total += size
        accepted.append(SimpleUploadedFile(name, attachment.data, attachment.content_type))
    return accepted, refused


def mail_body(mail: ParsedMail, text: str, refused: list[str], language: str) -> str:
    """A ticket's text from a message: what the sender wrote, what could not be read
    (encrypted mail says so, in the sender's language and the desk's), and a line
    for each file that was not added."""
    notices = []
    if mail.encrypted:
        for lang in dict.fromkeys([language, settings.LANGUAGE_CODE]):
            with translation.override(lang):
                notices.append(
                    _(
                        "This message was encrypted and could not be read here. "
                        "The encrypted part is attached."
                    )
                )
    with translation.override(language):
        body = text.strip() or ("" if notices else _("(The message had no text.)"))
    body = "\n\n".join(part for part in ["\n".join(f"[{n}]" for n in notices), body] if part)
    if refused:
        body += "\n\n" + "\n".join(f"[{line}]" for line in refused)
    return body


def _referenced_ticket(row: InboundEmail, mail: ParsedMail, sender: User | None) -> Ticket | None:
    """The ticket this message answers, if its sender may write on it; locked, as a
    reply is written on this very row. Mail that cannot be a reply (a stranger's, one
    about another client's ticket) locks nothing: it must never hold up the desk or
    another worker."""
    if not _can_write(sender):
        return None
    references = mail.in_reply_to + mail.references
    number = ticket_number_from_ids(references)
    if number is None and not looks_like_foreign_ecmp_id(references):
        # A thread from another ECMP (or a forged one) must not reach our 1001 by its tag.
        number = ticket_number_from_addresses(
            list(row.envelope_to) + mail.recipients
        ) or ticket_number_from_subject(mail.subject)
    if number is None:
        return None
    return services.lock_number(number, visible_to=sender)


@dataclass
class Batch:
    """What the messages of one batch share: each one parsed (or why it could not
    be), and their senders read in one query rather than one per message."""

    parsed: dict[int, ParsedMail | Exception]
    senders: dict[str, User] | None  # None: read for each message
    # The tickets each sender opened by mail within the window (the sender limit):
    # read with the senders, read again once the batch has opened a ticket, then
    # counted on as the batch opens more. None: read for each message.
    tickets_opened: dict[str, int] | None
    counted_under_lock: bool = False

    def processed(self, row: InboundEmail) -> None:
        """`row` was processed and its savepoint released: what it made now counts."""
        if row.outcome != "ticket_created" or self.tickets_opened is None:
            return
        if self.counted_under_lock:
            self.tickets_opened[row.sender] = self.tickets_opened.get(row.sender, 0) + 1
            return
        # The batch now holds the ticket counter until it commits, so no other worker
        # opens a ticket meanwhile: read now (this row included), the counts stay true
        # for the rest of the batch. Read before, they missed what another worker
        # committed while this batch waited for the counter.
        try:
            with transaction.atomic():
                self.tickets_opened = _tickets_opened(set(self.senders or ()))
            self.counted_under_lock = True
        except DatabaseError:
            logger.warning("reading the senders' tickets again failed", exc_info=True)
            self.tickets_opened = None


def batch_prepare(rows: list[InboundEmail]) -> Batch:
    parsed: dict[int, ParsedMail | Exception] = {}
    for row in rows:
        try:
            parsed[row.pk] = parse_message(bytes(row.raw))
        except Exception as exc:  # that message fails when its turn comes, not the batch
            parsed[row.pk] = exc
    addresses = {mail.sender for mail in parsed.values() if isinstance(mail, ParsedMail)}
    senders: dict[str, User] | None
    opened: dict[str, int] | None
    try:
        with transaction.atomic():  # a savepoint: a refusing database spoils nothing
            senders = _senders(addresses - {""})
            opened = _tickets_opened(set(senders))
    except DatabaseError:
        # Whatever the database refused is found again message by message, each in
        # its own savepoint: one hostile address fails one message, not the batch.
        logger.warning("reading the senders of a batch failed", exc_info=True)
        senders = opened = None
    return Batch(parsed, senders, opened)


def _senders(addresses: set[str]) -> dict[str, User]:
    people = User.objects.select_related("organization").filter(email__in=addresses)
    return {person.email: person for person in people}


# Why a message waits for an agent because of who sent it (the desk shows it; the
# release of such a message is what an agent decides).
UNVERIFIED = "unverified sender"
AUTHENTICATION_FAILED = "sender authentication failed (DMARC)"
VERIFICATION_HOLDS = (UNVERIFIED, AUTHENTICATION_FAILED)


def _policy_hold(verdict: Verdict, sender: User | None) -> str:
    """Why this message must wait for an agent, by ECMP_MAIL_VERIFY, or ""."""
    if verdict.failed:
        return AUTHENTICATION_FAILED  # the sender's own domain says it is not theirs
    policy = settings.ECMP_MAIL_VERIFY
    if verdict.verified or policy == "off" or not _can_write(sender):
        return ""
    if sender.is_support_staff or policy == "all":
        return UNVERIFIED
    return ""


def _record(row: InboundEmail, verdict: Verdict) -> None:
    row.verification = verdict.verification
    # Details quote the message (a signer's domain, the envelope): no NUL, which
    # PostgreSQL refuses in JSON, and nothing unbounded.
    row.evidence = [
        {key: str(value).replace("\x00", "")[:300] for key, value in item.items()}
        for item in verdict.evidence
    ]


def inbound_route(
    row: InboundEmail, batch: Batch | None = None, *, released_by: User | None = None
) -> None:
    """Where `row` goes. `released_by`: an agent released it from the hold its
    verification put it in; its recorded verification stays as it was."""
    raw = bytes(row.raw)
    batch = batch or batch_prepare([row])
    mail = batch.parsed[row.pk]
    if isinstance(mail, Exception):
        raise mail
    row.sender, row.subject = mail.sender, mail.subject
    # Every message gets its verdict, ignored and held ones too (the desk shows it).
    verdict = verify_sender(mail, raw, envelope_from=row.envelope_from)
    if released_by is None:
        _record(row, verdict)
    if is_our_address(mail.sender):
        return _finish(row, Status.IGNORED, "own_address", "sent from one of our own addresses")
    noise = classify(mail)
    if noise is not None:
        if noise.kind == "bounce":
            # Only addresses our own mail went to: a stranger's report proves nothing.
            bounced = bounced_addresses(raw, mail.report_recipients)
            users_bouncing_mark(addresses=bounced)
        return _finish(row, Status.IGNORED, noise.kind, noise.reason)
    if mail.sender_problem:
        return _finish(row, Status.HELD, "held", mail.sender_problem)

    senders = batch.senders if batch.senders is not None else _senders({mail.sender})
    sender = senders.get(mail.sender)
    language = sender.language if sender else settings.LANGUAGE_CODE
    ticket = _referenced_ticket(row, mail, sender)
    # A reply token proves its sender for the ticket it was issued about only.
    verdict = verdict.for_ticket(ticket.number if ticket is not None else None)
    if released_by is None:
        _record(row, verdict)
        hold = _policy_hold(verdict, sender) or follower_gone_hold(verdict, sender, ticket)
        if hold:
            if sender is not None and sender.is_support_staff and _can_write(sender):
                _tell_agent_of_held_mail(sender, row)
            return _finish(row, Status.HELD, "held", hold)
    # Machine mail (cron, a tool's notices) is never answered automatically.
    answer = not mail.machine
    reply, _stripped = strip_quotes(mail.text)

    # A ticket is referenced only for a sender who may write (_referenced_ticket).
    if ticket is not None and sender is not None:
        if ticket.archived_at is not None and sender.is_support_staff:
            return _finish(
                row, Status.HELD, "held", f"an agent's reply to archived ticket {ticket.number}"
            )
        files, refused = mail_files(mail, language, ticket)
        if ticket.archived_at is not None:
            new = services.ticket_create(
                requester=sender,
                subject=ticket.subject,
                description=mail_body(mail, reply, refused, language),
                files=files,
                channel=Channel.EMAIL,
                related_to=ticket,
                acknowledge=answer,
            )
            _finish(
                row, Status.PROCESSED, "ticket_created", f"follows up archived {ticket.number}", new
            )
        else:
            row.reply = services.ticket_reply(
                ticket=ticket,
                author=sender,
                body=mail_body(mail, reply, refused, language),
                files=files,
                already_locked=True,
            )
            _finish(row, Status.PROCESSED, "reply", "", ticket)
        follow_copied(mail, sender, verdict, row.ticket)
        if refused and answer:
            outbound.send_attachment_refused(
                to=mail.sender,
                language=language,
                subject=mail.subject,
                refused=refused,
                ticket=row.ticket,
            )
        return None

    if not _can_write(sender):
        if (
            settings.ECMP_MAIL_ANSWER_UNKNOWN_SENDERS
            and answer
            and not _over_answer_limit(mail.sender)
        ):
            outbound.send_unknown_sender(to=mail.sender, subject=mail.subject, language=language)
        why = "unknown sender" if sender is None else "deactivated sender"
        return _finish(row, Status.HELD, "held", why)
    if sender.is_support_staff:
        return _finish(row, Status.HELD, "held", "an agent's mail without a ticket reference")
    if _over_ticket_limit(mail.sender, batch):
        return _finish(row, Status.HELD, "held", "too many new tickets from this sender")

    files, refused = mail_files(mail, language)
    with translation.override(language):
        subject = mail.subject.strip() or _("(no subject)")
    created = services.ticket_create(
        requester=sender,
        subject=subject[: services.SUBJECT_MAX],
        description=mail_body(mail, mail.text, refused, language),
        # Never taken from headers: a customer cannot mark a mail urgent.
        priority=Priority.NORMAL,
        files=files,
        channel=Channel.EMAIL,
        acknowledge=answer,
    )
    _finish(row, Status.PROCESSED, "ticket_created", mail.machine, created)
    follow_copied(mail, sender, verdict, created)
    if refused and answer:
        outbound.send_attachment_refused(
            to=mail.sender, language=language, subject=mail.subject, refused=refused, ticket=created
        )
    return None


def _tell_agent_of_held_mail(agent: User, row: InboundEmail) -> None:
    """A message in an agent's name waits: the real agent hears of it (once per
    message, within the per-sender limit, so a forger cannot flood them)."""
    if not _over_answer_limit(agent.email, kinds=("held_in_your_name",)):
        outbound.send_held_in_your_name(agent=agent, inbound=row)
