"""People and organizations found by a part of their name, a typo, an email or a phone.

PostgreSQL: trigram word similarity (pg_trgm) on names without accents or case, so
that "Schum", "Shuman" and "schuman" all find "Louise Schumann", and "Helene" finds
"Hélène". The names nearest to the query are read from GiST trigram indexes in their
order (`<->>`, accounts/0008) with a LIMIT, above the threshold (`%>`, a session
setting, set once per connection), emails from a GIN trigram index (accounts/0007),
then the ranking is computed for those few rows only:
the cost is the LIMIT's, not the number of names that pass (a "Bench User N" data set,
where every name is like every other, read 5,000 names for each search: 50 ms).
SQLite: the same measure, written in Python (`trigram_share`: the share of the
query's trigrams found in the name) and given to SQLite as a function; each name's
trigrams are kept in memory between searches. Emails are found by any
part, phones by their digits whatever the spaces and dots.

For the support team only: the desk's search (tickets/desk_search.py) asks.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from functools import lru_cache
from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import CharField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Greatest, Lower, Replace

from ecmp.accounts.models import Organization, User

# Below pg_trgm's default word_similarity_threshold (0.6): "Shuman" is 0.57 of "Schuman".
THRESHOLD = 0.5
# Phones are matched by their digits from this many on.
PHONE_DIGITS = 4

# PostgreSQL: the connections whose session has THRESHOLD as `%>`'s threshold.
_threshold_set: weakref.WeakSet[Any] = weakref.WeakSet()


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _trigrams(text: str) -> frozenset[str]:
    # As pg_trgm: each word of letters and digits, padded with two spaces before, one after.
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", text):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


@lru_cache(maxsize=65_536)
def _plain_trigrams(text: str) -> frozenset[str]:
    # Kept: SQLite asks for every name of the table at each search.
    return _trigrams(plain(text))


def trigram_share(query: str | None, value: str | None) -> float:
    """The share of the query's trigrams found in the value (both made plain): close
    to pg_trgm's word_similarity(query, value)."""
    wanted = _plain_trigrams(query or "")
    if not wanted:
        return 0.0
    return len(wanted & _plain_trigrams(value or "")) / len(wanted)


class Plain(Func):
    """A text in lower case without accents (PostgreSQL: accounts/0007's ecmp_unaccent)."""

    function = "ecmp_unaccent"
    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(Lower(expression))


class TrigramShare(Func):
    """SQLite: trigram_share(query, value), registered on the connection."""

    function = "ecmp_trigram_share"
    output_field = FloatField()


def _sqlite_functions() -> None:
    connection.ensure_connection()
    connection.connection.create_function(
        "ecmp_trigram_share", 2, trigram_share, deterministic=True
    )


def _digits(field: str) -> Any:
    expression: Any = F(field)
    for sign in (" ", ".", "-", "(", ")", "/", "+"):
        expression = Replace(expression, Value(sign), Value(""))
    return expression


class NameDistance(Func):
    """PostgreSQL: `name <->> query`, one minus the query's word similarity to the name:
    the order a GiST trigram index (accounts/0008) reads names in, nearest first."""

    template = "%(expressions)s"
    arg_joiner = " <->> "
    output_field = FloatField()


def _trigram_threshold() -> None:
    """PostgreSQL: THRESHOLD as the session's threshold of `%>`, once per connection.

    The GiST index reads it to skip the names that cannot pass: without it, the
    nearest names to a misspelt query ("Bnch Usr 2500": none close) walk most of the
    index (40 ms). Set inside a transaction, the setting goes if it rolls back: the
    connection counts as set only once it is committed."""
    connection.ensure_connection()
    raw = connection.connection
    if raw in _threshold_set:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(THRESHOLD)]
        )
    transaction.on_commit(lambda: _threshold_set.add(raw))


def _nearest_names(queryset: QuerySet[Any], field: str, query: str, limit: int) -> QuerySet[Any]:
    """PostgreSQL: the ids of the `limit` names nearest to the query above the
    threshold, read in the GiST index's order (a LIMIT: a handful of index pages,
    whatever the table's size or how many names pass)."""
    _trigram_threshold()
    near = queryset.filter(TrigramWordSimilar(Plain(field), Value(query)))
    # The distance alone: a second key would stop the index giving the order.
    return near.order_by(NameDistance(Plain(field), Value(query))).values("pk")[:limit]


def _score(field: str, text: str) -> Any:
    """How well a name matches: pg_trgm's word similarity, or SQLite's trigram_share."""
    if connection.vendor == "postgresql":
        return Greatest(TrigramWordSimilarity(plain(text), Plain(field)), Value(0.0))
    _sqlite_functions()
    return TrigramShare(Value(text), F(field))


def people_matching(text: str, *, limit: int) -> list[User]:
    """Active or not, staff or customers: by name, email or phone, best first."""
    text = text.strip()
    if not text:
        return []
    score = _score("full_name", text)
    by_email = Q(email__contains=text.lower()) if " " not in text else None
    digits = re.sub(r"\D", "", text)
    by_phone = None
    if len(digits) >= PHONE_DIGITS and not re.search(r"[^\d\s.()+/-]", text):
        by_phone = Q(phone_digits__contains=digits)
    people = User.objects.select_related("organization").annotate(score=score)
    if by_phone is not None:
        people = people.annotate(phone_digits=_digits("phone"))
    match = Q(score__gte=THRESHOLD)
    for other in (by_email, by_phone):
        if other is not None:
            match |= other
    if connection.vendor == "postgresql":
        # Each way of matching is a LIMIT read from its own index (names: GiST, nearest
        # first; emails: GIN trigrams); the score is computed for those rows only.
        candidates = _nearest_names(User.objects.all(), "full_name", plain(text), limit)
        if by_email is not None:
            emails = User.objects.filter(by_email).order_by("email").values("pk")[:limit]
            candidates = candidates.union(emails, all=True)
        if by_phone is not None:
            phones = (
                User.objects.annotate(phone_digits=_digits("phone"))
                .filter(by_phone)
                .order_by("full_name", "pk")
                .values("pk")[:limit]
            )
            candidates = candidates.union(phones, all=True)
        people = people.filter(pk__in=candidates)
    else:
        # SQLite: every name through Python once (its trigrams are kept between searches).
        match |= Q(full_name__icontains=text)
    return list(
        people.filter(match)
        .only("pk", "full_name", "email", "phone", "role", "is_active", "organization__name")
        .order_by("-score", "full_name", "pk")[:limit]
    )


def organizations_matching(text: str, *, limit: int) -> list[Organization]:
    text = text.strip()
    if not text:
        return []
    organizations = Organization.objects.annotate(score=_score("name", text))
    match = Q(score__gte=THRESHOLD)
    if connection.vendor == "postgresql":
        nearest = _nearest_names(Organization.objects.all(), "name", plain(text), limit)
        organizations = organizations.filter(pk__in=nearest)
    else:
        match |= Q(name__icontains=text)
    return list(
        organizations.filter(match)
        .only("pk", "name", "active")
        .order_by("-score", "name", "pk")[:limit]
    )
