"""The desk's search: every text of a ticket, found by its words.

On PostgreSQL each ticket keeps a search document (`Ticket.search_document`, a
tsvector with a GIN index, migration tickets/0002): its subject, description and
every message and note are added to it as they are written. A search is then one
index lookup that PostgreSQL combines with the queue's own index (BitmapAnd), so it
stays fast at a million tickets. Elsewhere (SQLite) a search is a substring scan of
the same texts. The document is for the support team's search only: customers
search their own tickets by number and subject.
"""

from __future__ import annotations

import logging
import re

from django.contrib.postgres.search import SearchQuery
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from ecmp.tickets.models import Message, Ticket

# No stemming and no stop words: names, products and error codes are found as typed.
CONFIG = "simple"
# A tsvector holds at most 1 MB; positions are dropped (strip) and each text capped.
MAX_TEXT = 100_000
# PostgreSQL's error when the document would pass that size.
PROGRAM_LIMIT_EXCEEDED = "54000"

logger = logging.getLogger(__name__)


def search_text_add(ticket_id: int, *texts: str) -> None:
    """Add texts to a ticket's search document (inside the writer's transaction)."""
    if connection.vendor != "postgresql":
        return
    text = " ".join(texts)[:MAX_TEXT]
    try:
        # A savepoint: a full document must never cost the reply that is being written.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_ticket SET search_document = strip("
                "COALESCE(search_document, ''::tsvector) || to_tsvector(%s::regconfig, %s)) "
                "WHERE id = %s",
                [CONFIG, text, ticket_id],
            )
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != PROGRAM_LIMIT_EXCEEDED:
            raise
        # A tsvector holds 1 MB of distinct words (pasted logs, hashes): this
        # ticket's later texts are not searchable; everything else goes on.
        logger.warning("Ticket id %s: its search document is full", ticket_id)


def _words(text: str) -> list[str]:
    # Letters and digits only: nothing that a query syntax (tsquery, LIKE) would read,
    # and split where PostgreSQL's parser splits (ERR_CONNECTION → err, connection).
    return re.findall(r"[^\W_]+", text)[:8]


def search_filter(tickets: QuerySet[Ticket], text: str, number: int | None) -> QuerySet[Ticket]:
    """Tickets with every word of `text` (each as the start of a word), or that number."""
    match = Q(number=number) if number is not None else Q(pk__in=[])
    found = _words(text)
    if found and connection.vendor == "postgresql":
        # "print vpn" → print:* & vpn:*
        query = " & ".join(f"{word}:*" for word in found)
        match |= Q(search_document=SearchQuery(query, config=CONFIG, search_type="raw"))
    elif found:
        every_word = Q()
        for word in found:
            in_messages = Message.objects.filter(ticket=OuterRef("pk"), body__icontains=word)
            every_word &= (
                Q(subject__icontains=word) | Q(description__icontains=word) | Q(Exists(in_messages))
            )
        match |= every_word
    return tickets.filter(match)
