"""The support team's search: every text of a ticket, found by its words.

Each ticket keeps one search document, added to as its texts are written
(`search_text_add`, inside the writer's transaction), so a search is one index
lookup that stays fast at a million tickets:

- PostgreSQL: `Ticket.search_document`, a tsvector with a GIN index (tickets/0002,
  0003). Since tickets/0008 it is `ecmp_search_document(text)`: the words, accents
  removed, under three configurations at once — `ecmp_simple` (names, products and
  error codes as typed, matched by their start), `ecmp_english` and `ecmp_french`
  (stems: "printers" finds "printer", "imprimantes" finds "imprimante").
- SQLite: an FTS5 table, `tickets_search` (rowid = the ticket's id; tickets/0008),
  tokenized by unicode61 without diacritics; the English and French stems of its
  words (snowballstemmer) are stored beside the text, and a query's words are
  stemmed the same way.

A word of a query matches the start of a word of the ticket or one of its stems;
every word must match. The document holds internal notes: it is for the support
team only. Customers search their own tickets with `customer_search_filter`, which
reads only what they may see.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from ecmp.tickets.models import Message, Ticket

# PostgreSQL: the text search configurations of tickets/0008.
SIMPLE, ENGLISH, FRENCH = "ecmp_simple", "ecmp_english", "ecmp_french"
# SQLite: the FTS5 table of tickets/0008.
FTS_TABLE = "tickets_search"
# A tsvector holds at most 1 MB; positions are dropped (strip) and each text capped.
MAX_TEXT = 100_000
# PostgreSQL's error when the document would pass that size.
PROGRAM_LIMIT_EXCEEDED = "54000"
# A query's words: no more are read.
MAX_WORDS = 8

logger = logging.getLogger(__name__)

_STEMMERS = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("french"))


def plain(text: str) -> str:
    """Lower case without accents ("Écran" → "ecran"), as the documents store words."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """Letters and digits only: nothing that a query syntax (tsquery, FTS5, LIKE) would
    read, and split where the databases' parsers split (ERR_CONNECTION → err, connection)."""
    return re.findall(r"[^\W_]+", text)


@lru_cache(maxsize=20_000)
def stems(word: str) -> tuple[str, ...]:
    """The English and French stems of a plain word that differ from it."""
    return tuple(sorted({stem for s in _STEMMERS if (stem := s.stemWord(word)) and stem != word}))


def fts_body(text: str) -> str:
    """What SQLite's FTS5 row holds for a text: the text, then its words' stems."""
    found = {stem for word in set(words_of(plain(text))) for stem in stems(word)}
    return f"{text}\n{' '.join(sorted(found))}" if found else text


def search_text_add(ticket_id: int, *texts: str) -> None:
    """Add texts to a ticket's search document (inside the writer's transaction)."""
    text = " ".join(texts)[:MAX_TEXT]
    if connection.vendor == "sqlite":
        _fts_add(ticket_id, text)
        return
    if connection.vendor != "postgresql":
        return
    try:
        # A savepoint: a full document must never cost the reply that is being written.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tickets_ticket SET search_document = strip("
                "COALESCE(search_document, ''::tsvector) || ecmp_search_document(%s)) "
                "WHERE id = %s",
                [text, ticket_id],
            )
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != PROGRAM_LIMIT_EXCEEDED:
            raise
        # A tsvector holds 1 MB of distinct words (pasted logs, hashes): this
        # ticket's later texts are not searchable; everything else goes on.
        logger.warning("Ticket id %s: its search document is full", ticket_id)


def _fts_add(ticket_id: int, text: str) -> None:
    body = fts_body(text)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FTS_TABLE} SET body = body || char(10) || %s WHERE rowid = %s",  # noqa: S608 - a constant
            [body, ticket_id],
        )
        if cursor.rowcount == 0:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)",  # noqa: S608 - a constant
                [ticket_id, body],
            )


def _postgresql_query(found: list[str]) -> SearchQuery:
    # "imprimantes écran" → (imprimantes:* | english stem | french stem) & (ecran:* | …)
    query: SearchQuery | None = None
    for word in found:
        either = (
            SearchQuery(f"{word}:*", config=SIMPLE, search_type="raw")
            | SearchQuery(word, config=ENGLISH)
            | SearchQuery(word, config=FRENCH)
        )
        query = either if query is None else query & either
    assert query is not None
    return query


def fts_query(found: list[str]) -> str:
    """An FTS5 query of plain words: each as the start of a word, or one of its stems."""
    groups = []
    for word in found:
        terms = [f'"{word}"*', *(f'"{stem}"' for stem in stems(word))]
        groups.append("(" + " OR ".join(terms) + ")")
    return " AND ".join(groups)


def text_match(text: str) -> Q | None:
    """The condition "every word of `text` is in the ticket's document", or None."""
    found = words_of(text)[:MAX_WORDS]
    if not found:
        return None
    if connection.vendor == "postgresql":
        return Q(search_document=_postgresql_query(found))
    if connection.vendor == "sqlite":
        plain_words = words_of(plain(" ".join(found)))
        if not plain_words:
            return Q(pk__in=[])
        matching = RawSQL(  # noqa: S611 - a constant; the query is a parameter
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
            [fts_query(plain_words)],
        )
        return Q(pk__in=matching)
    # Another database: a substring scan of the same texts.
    every_word = Q()
    for word in found:
        in_messages = Message.objects.filter(ticket=OuterRef("pk"), body__icontains=word)
        every_word &= (
            Q(subject__icontains=word) | Q(description__icontains=word) | Q(Exists(in_messages))
        )
    return every_word


def search_filter(tickets: QuerySet[Ticket], text: str, number: int | None) -> QuerySet[Ticket]:
    """Tickets with every word of `text` (each as the start of a word, or by its stem),
    or that number. For the support team: the document holds internal notes."""
    match = Q(number=number) if number is not None else Q(pk__in=[])
    words = text_match(text)
    if words is not None:
        match |= words
    return tickets.filter(match)


def customer_search_filter(
    tickets: QuerySet[Ticket], text: str, number: int | None
) -> QuerySet[Ticket]:
    """A customer's search of the tickets they may see: every word in the subject, the
    description or a public message (never an internal note), or that number.

    The words are first looked up in the search document, as the desk's search does
    (each word as the start of a word, or by its stem; one index lookup), then each
    candidate's public texts are checked: the document holds internal notes, so a
    word found only there never finds a ticket for a customer. Without the index, a
    manager who sees their company's 5,000 tickets of a million waited 50 to 70 ms for
    the scan of every one of their texts."""
    match = Q(number=number) if number is not None else Q(pk__in=[])
    found = words_of(text)[:MAX_WORDS]
    candidates = text_match(text)
    if connection.vendor == "postgresql" and found:
        # The documents of the tickets the customer may see, read row by row rather
        # than through the GIN index (a common word's posting list at a million
        # tickets costs 50 ms, a company's few thousand documents under 10), and
        # first, alone: planned together with the public texts' check, the match
        # was estimated at one row, and the joins and JIT that followed cost 40 ms.
        document = Coalesce("search_document", Value("", output_field=SearchVectorField()))
        candidates = Q(
            pk__in=list(
                tickets.alias(customer_document=document)
                .filter(customer_document=_postgresql_query(found))
                .order_by()
                .values_list("pk", flat=True)
            )
        )
    if found and candidates is not None:
        every_word = Q()
        for word in found:
            public = Message.objects.filter(
                ticket=OuterRef("pk"), internal=False, body__icontains=word
            )
            every_word &= (
                Q(subject__icontains=word) | Q(description__icontains=word) | Q(Exists(public))
            )
        match |= candidates & every_word
    return tickets.filter(match)
