"""Polling an IMAP mailbox: fetch, store, then move to the processed folder.

Safe with several pollers: a message fetched twice is stored once (its
Message-ID or hash), and a message is moved only after it is stored. A message
refused for now (strangers' held mail full) stays in the mailbox for a later poll;
one refused for good goes to the Refused folder.
"""

from __future__ import annotations

import logging

from django.conf import settings
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxCopyError

from ecmp.mail.inbound.pipeline import (
    MessageRefused,
    envelope_sender_from_headers,
    inbound_store,
)

logger = logging.getLogger(__name__)
BATCH = 100
REFUSED = "Refused"


def _mailbox():
    cls = MailBox if settings.ECMP_IMAP_SSL else MailBoxUnencrypted
    return cls(settings.ECMP_IMAP_HOST, settings.ECMP_IMAP_PORT, timeout=60).login(
        settings.ECMP_IMAP_USER,
        settings.ECMP_IMAP_PASSWORD,
        initial_folder=settings.ECMP_IMAP_FOLDER,
    )


def imap_fetch() -> int:
    """One pass over the mailbox; returns how many messages were stored anew."""
    stored = 0
    processed_folder = settings.ECMP_IMAP_PROCESSED_FOLDER
    with _mailbox() as mailbox:
        if not mailbox.folder.exists(processed_folder):
            mailbox.folder.create(processed_folder)
        done: list[str] = []
        refused: list[str] = []
        waiting = 0
        for uid in mailbox.uids("ALL"):
            # A pass handles BATCH messages; it looks past at most BATCH that must wait
            # (strangers' held mail full), so a customer's message behind a stranger's
            # flood is still taken.
            if len(done) + len(refused) >= BATCH or waiting >= BATCH:
                break
            status, data = mailbox.client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (item[1] for item in data or [] if isinstance(item, tuple) and len(item) > 1),
                None,
            )
            if status != "OK" or raw is None:
                continue  # moved away by another poller meanwhile
            try:
                _row, created = inbound_store(
                    raw, source="imap", envelope_from=envelope_sender_from_headers(raw)
                )
            except MessageRefused as refusal:
                if refusal.temporary:
                    # Left where it is for a later poll: nothing is lost, nothing written.
                    logger.warning("IMAP message %s must wait (%s)", uid, refusal)
                    waiting += 1
                    continue
                # Out of the way, so that it does not block the mailbox on every pass.
                logger.warning("IMAP message %s refused (%s): moved to %s", uid, refusal, REFUSED)
                refused.append(uid)
                continue
            stored += int(created)
            done.append(uid)
        if done:
            _move(mailbox, done, processed_folder)
        if refused:
            if not mailbox.folder.exists(REFUSED):
                mailbox.folder.create(REFUSED)
            _move(mailbox, refused, REFUSED)
    return stored


def _move(mailbox, uids: list[str], folder: str) -> None:
    """Move what was stored; a message another poller moved first is simply gone."""
    try:
        mailbox.move(uids, folder)
    except MailboxCopyError:
        for uid in uids:
            try:
                mailbox.move(uid, folder)
            except MailboxCopyError:
                logger.info("IMAP message %s was already moved by another poller", uid)
