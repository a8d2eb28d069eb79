"""The one way in for mail: store raw, then process in a task.

IMAP polling, the mailgate command and the SMTP/LMTP listener all call
`inbound_store`; the worker runs `inbound_handle_waiting` (every waiting message,
in batches). A processing error keeps the row with its error for an admin to
retry; the same message is processed once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from functools import partial

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from ecmp.accounts.models import STAFF_ROLES, Organization, User
from ecmp.mail import services, wakeups
from ecmp.mail.ids import MESSAGE_ID
from ecmp.mail.inbound import route
from ecmp.mail.inbound.senders import read_address
from ecmp.mail.models import InboundEmail

# What processing writes on a stored message.
ROUTED_FIELDS = [
    *("sender", "subject", "status", "outcome", "reason", "ticket", "processed_at"),
    *("last_error", "reply", "verification", "evidence", "in_held_quota"),
]


logger = logging.getLogger(__name__)

# Messages processed in one transaction. The other writers wait for a batch (on
# SQLite all of them, on PostgreSQL a new ticket for the counter row): a few
# milliseconds per message, longer for large ones, hence fewer of those at a time.
BATCH = 10
BATCH_BYTES = 5 * 1024 * 1024
BATCHES_PER_TASK = 20
# PostgreSQL's deadlock, serialization failure and lock not available: another
# worker's transaction was in the way, nothing is wrong with the message.
PASSING_CONFLICTS = {"40P01", "40001", "55P03"}


class MessageRefused(Exception):
    """The message cannot be accepted (too large, empty, over a quota): tell the
    sender's server. `temporary` says whether it should try again later (SMTP 4xx,
    EX_TEMPFAIL, left in the IMAP mailbox) or give up and bounce it (5xx, EX_DATAERR)."""

    temporary = False


class HeldMailFull(MessageRefused):
    """Strangers' mail already fills ECMP_MAIL_HELD_MAX_BYTES: the sending server keeps
    the message and tries again, by which time agents or the expiry made room."""

    temporary = True


class SenderOverQuota(MessageRefused):
    """This stranger's own mail fills ECMP_MAIL_HELD_SENDER_MAX_BYTES: one flooding
    address is told no for good, and leaves room for everyone else."""


# Where addresses are stored: no control character (NUL above all: PostgreSQL
# refuses it), no space, one "@".
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f<>]{1,64}@[^@\s\x00-\x1f\x7f<>]{1,190}$")


def _headers(raw: bytes) -> Message | None:
    """The headers alone, read with the cheap, never-failing compat32 parser."""
    try:
        return BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except Exception:
        return None


def _message_id(raw: bytes) -> str:
    headers = _headers(raw)
    return _header_message_id(headers) if headers is not None else ""


def _header_message_id(headers: Message) -> str:
    try:
        found = re.findall(MESSAGE_ID, str(headers.get("Message-ID", "")))
    except Exception:
        return ""
    return found[0] if found else ""


def _header_bytes(headers: Message | None, name: str) -> bytes:
    """Every value of this header, unfolded: a relay that refolds it changes nothing."""
    if headers is None:
        return b""
    try:
        values = [str(value) for value in headers.get_all(name) or []]
    except Exception:
        return b""
    return b"\n".join(b" ".join(v.encode("utf-8", "surrogatepass").split()) for v in values)


def _content_hash(headers: Message | None, raw: bytes) -> str:
    """What makes a message itself: its Date, From, Subject and body.

    Re-delivered, a message differs only in its trace headers (Received, Return-Path,
    Delivered-To, authentication results), so these are left out; but a reused
    Message-ID on another subject, from another sender or on another day is another
    message, handled on its own.
    """
    body = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[-1]
    digest = hashlib.sha256()
    for part in (*(_header_bytes(headers, n) for n in ("Date", "From", "Subject")), body):
        # Each part with its length: no shift of bytes from one part to the next
        # makes two messages hash alike.
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _from_address(headers: Message | None) -> str:
    """The address of the one From header as routing reads it (senders.read_address:
    the RFC 5322 structure, never the display name), "" when it cannot be told.

    "=?utf-8?q?=3Calice=40acme.test=3E?= <mallory@evil.test>" is Mallory, or no one:
    a stranger either way.
    """
    if headers is None:
        return ""
    try:
        values = headers.get_all("From") or []
        if len(values) != 1:
            return ""
        value = str(values[0])
        if not value.isascii():  # raw 8-bit bytes: never part of an address we match
            value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        address, _name, problem = read_address(value)
    except Exception:  # whatever a hostile header does to the parser: no address
        return ""
    if problem:
        return ""
    return address if _ADDRESS.match(address) and address.isprintable() else ""


def _envelope_address(value: str | None) -> str:
    """MAIL FROM (or Return-Path) as stored: lowercase, without <>, "" for the null
    sender <>; no control character or space whatever an MTA passed on."""
    address = (value or "").strip().strip("<>").lower()
    return "".join(c for c in address if c.isprintable() and not c.isspace())[:254]


# At the door, for every message: may its From address write to us (active, of an
# active client or the support team), and how many bytes of mail held in its name
# are kept. One plain statement: the ORM would build two queries, several times
# the cost of the store itself.
_DOOR_SQL = """
SELECT
  EXISTS (
    SELECT 1 FROM {users} u LEFT JOIN {organizations} o ON o.id = u.organization_id
    WHERE u.email = %s AND u.is_active AND (u.role IN (%s, %s) OR o.active)
  ),
  (SELECT COALESCE(SUM(size), 0) FROM {inbox}
   WHERE in_held_quota AND raw_purged_at IS NULL AND sender = %s)
"""


def _door(address: str) -> tuple[bool, int]:
    """(may this address write to us, bytes held in its name)."""
    if not address:
        return False, 0
    sql = _DOOR_SQL.format(
        users=User._meta.db_table,
        organizations=Organization._meta.db_table,
        inbox=InboundEmail._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [address, *STAFF_ROLES, address])
        may_write, held = cursor.fetchone()
    return bool(may_write), int(held or 0)


def _check_held_quotas(address: str, size: int, *, may_write: bool, held: int) -> None:
    """Refuse a stranger's message when held mail, or this sender's, is full; refuse
    a registered address's only for now, and only when mail held in its name (a
    forger's flood) fills its own quota: the genuine sender's server tries again.

    Soft limits: two messages stored at the same moment may both pass the last room
    (by one message each), which is harmless and keeps the door lock-free.
    """
    if may_write:
        if held and held >= settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES:
            raise HeldMailFull("mail held in this sender's name is over its quota, try later")
        return
    if held + size > settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES:
        raise SenderOverQuota("this sender's mail waiting for review is over its quota")
    # Strangers only: the total, over the partial index inbox_held_bytes.
    kept = InboundEmail.objects.filter(in_held_quota=True, raw_purged_at__isnull=True)
    total = kept.aggregate(total=Sum("size"))["total"] or 0
    if total + size > settings.ECMP_MAIL_HELD_MAX_BYTES:
        raise HeldMailFull("mail waiting for review is full, try again later")


def inbound_store(
    raw: bytes,
    *,
    source: str,
    envelope_to: list[str] | None = None,
    envelope_from: str | None = None,
) -> tuple[InboundEmail, bool]:
    """Keep the raw message; returns the row and whether it is new (False: a
    re-delivery of a stored one). A refusal (MessageRefused) writes nothing."""
    if not raw or not raw.strip():
        raise MessageRefused("empty message")
    if len(raw) > settings.ECMP_INBOUND_MAX_BYTES:
        raise MessageRefused("message too large")
    headers = _headers(raw)
    message_id = _header_message_id(headers) if headers is not None else ""
    # A re-delivery is the same message: same bytes, or same Message-ID with the same
    # Date, From, Subject and body (see _content_hash). The hash is kept whole enough
    # (128 bits) that no one can make another message pass for a re-delivery.
    key = (
        f"id:{message_id}:{_content_hash(headers, raw)[:32]}"
        if message_id
        else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    )[:300]
    sender = _from_address(headers)
    # People who may write to us (active, of an active client, or staff) are never
    # held back by the strangers' total: one lookup on the unique email index. Their
    # own held mail (forged in their name, say) is bounded all the same.
    may_write, held = _door(sender)
    stranger = not may_write
    try:
        _check_held_quotas(sender, len(raw), may_write=may_write, held=held)
    except MessageRefused:
        # A re-delivery of what is already kept is answered as stored, not refused.
        stored = InboundEmail.objects.filter(dedupe_key=key).first()
        if stored is not None:
            return stored, False
        raise
    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                dedupe_key=key,
                message_id=message_id,
                raw=raw,
                size=len(raw),
                source=source,
                envelope_to=[address.lower() for address in (envelope_to or [])][:50],
                envelope_from=_envelope_address(envelope_from),
                # Known at once (routing writes what it reads itself): the quotas
                # count each sender's waiting mail too.
                sender=sender,
                in_held_quota=stranger,
            )
            # A task for it, unless one enqueued from here still waits (it takes
            # every message stored before it starts).
            transaction.on_commit(partial(wakeups.inbound_wake, row.pk))
    except IntegrityError:
        return InboundEmail.objects.get(dedupe_key=key), False
    return row, True


def envelope_sender_from_headers(raw: bytes) -> str:
    """The first Return-Path of a message (where the delivering server wrote MAIL
    FROM), for ways in that see no envelope (IMAP); "" if there is none."""
    headers = _headers(raw)
    if headers is None:
        return ""
    try:
        value = headers.get("Return-Path")
    except Exception:
        return ""
    return _envelope_address(str(value)) if value is not None else ""


def inbound_handle_waiting(inbound_ids: list[int]) -> tuple[dict[str, int], list[int] | None]:
    """The worker's task: these messages, then every message still waiting; returns
    how many had each outcome, and what a new task must take on (None: nothing).

    A burst of mail (an IMAP poll after a night, a mailing) is processed a batch per
    transaction rather than a task and a transaction per message. The loop ends when
    nothing is left, so a message stored before this task started is always taken;
    after BATCHES_PER_TASK batches the rest (the ids asked for and not yet taken,
    and whatever waits) is for a new task (which has priority: see
    `wakeups.inbound_enqueue`). The dispatch of what it made (acknowledgements,
    agents' notices) waits in the queue meanwhile, or runs in another worker.
    """
    counts: dict[str, int] = {}
    wanted = list(inbound_ids)
    for _round in range(BATCHES_PER_TASK):
        outcomes = _handle_batch(wanted)
        if not outcomes:
            return counts, None
        wanted = [pk for pk in wanted if pk not in outcomes]
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts, wanted


def _handle_batch(inbound_ids: list[int]) -> dict[int, str]:
    """Up to BATCH messages in one transaction, each in its own savepoint: one that
    fails is kept as failed with its error, and the others go on.

    A batch holds what it locked (the ticket counter, the tickets it replied to)
    until it commits: two workers can then wait for each other, and PostgreSQL
    cancels one. That message is not broken: it stays waiting and is taken again.
    """
    # The ones asked for (a failed one too: an admin's retry), and any waiting.
    asked = Q(
        pk__in=inbound_ids, status__in=[InboundEmail.Status.RECEIVED, InboundEmail.Status.FAILED]
    ) | Q(status=InboundEmail.Status.RECEIVED)
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        taken = list(
            InboundEmail.objects.select_for_update(skip_locked=True)
            .filter(asked)
            .order_by("received_at", "pk")
            .values_list("pk", "size")[:BATCH]
        )
        # Each message's raw bytes are in memory while the batch runs: large ones
        # go fewer at a time (the rest wait for the next batch, or another worker).
        chosen: list[int] = []
        total = 0
        for pk, size in taken:
            if chosen and total + size > BATCH_BYTES:
                break
            chosen.append(pk)
            total += size
        loaded = InboundEmail.objects.in_bulk(chosen)
        batch = route.batch_prepare([loaded[pk] for pk in chosen])
        for row in (loaded[pk] for pk in chosen):
            try:
                with transaction.atomic():
                    route.inbound_route(row, batch)
                    row.processed_at = timezone.now()
                    row.last_error = ""
                    # Never the raw message again: it can be megabytes, and it is never changed.
                    row.save(update_fields=ROUTED_FIELDS)
                batch.processed(row)
                outcomes[row.pk] = row.outcome
            except Exception as exc:
                if isinstance(exc, OperationalError) and (
                    getattr(exc.__cause__, "sqlstate", None) in PASSING_CONFLICTS
                ):
                    logger.info("message %s met another worker's locks: taken again", row.pk)
                    # Waiting again (an admin's retry of a failed one too): this task's
                    # next round, or the sweep, takes it. Its row is still ours.
                    services.inbound_requeue(inbound_id=row.pk)
                    outcomes[row.pk] = "taken_again"
                    continue
                services.inbound_failed(inbound_id=row.pk, error=f"{type(exc).__name__}: {exc}")
                outcomes[row.pk] = "failed"
    return outcomes
