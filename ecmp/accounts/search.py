"""People and organizations found by a part of their name, a typo, an email or a phone.

PostgreSQL: trigram word similarity (pg_trgm's `<%`, served by the GIN trigram
indexes of accounts/0007) on names without accents or case, so that "Schum",
"Shuman" and "schuman" all find "Louise Schumann", and "Helene" finds "Hélène".
SQLite: the same measure, written in Python (`trigram_share`: the share of the
query's trigrams found in the name) and given to SQLite as a function; each name's
trigrams are kept in memory between searches. Emails are found by any
part, phones by their digits whatever the spaces and dots.

For the support team only: the desk's search (tickets/desk_search.py) asks.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import CharField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.functions import Greatest, Lower, Replace

from ecmp.accounts.models import Organization, User

# Below pg_trgm's default word_similarity_threshold (0.6): "Shuman" is 0.57 of "Schuman".
THRESHOLD = 0.5
# Phones are matched by their digits from this many on.
PHONE_DIGITS = 4


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


def _name_match(queryset: QuerySet[Any], field: str, text: str) -> tuple[QuerySet[Any], Q, Any]:
    """The queryset with its name made plain, the condition and the score of a name."""
    query = plain(text)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The threshold of `<%` is a setting of the session (as the index reads it).
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(THRESHOLD)],
            )
        queryset = queryset.annotate(plain_name=Plain(field))
        return (
            queryset,
            Q(TrigramWordSimilar(F("plain_name"), Value(query))),
            TrigramWordSimilarity(query, F("plain_name")),
        )
    # SQLite: every name through Python once (its trigrams are kept between searches).
    _sqlite_functions()
    score = TrigramShare(Value(text), F(field))
    return queryset, Q(**{f"{field}__icontains": text}) | Q(score__gte=THRESHOLD), score


def people_matching(text: str, *, limit: int) -> list[User]:
    """Active or not, staff or customers: by name, email or phone, best first."""
    text = text.strip()
    if not text:
        return []
    people, name, score = _name_match(
        User.objects.select_related("organization"), "full_name", text
    )
    match = name
    if " " not in text:
        match |= Q(email__contains=text.lower())
    digits = re.sub(r"\D", "", text)
    if len(digits) >= PHONE_DIGITS and not re.search(r"[^\d\s.()+/-]", text):
        people = people.annotate(phone_digits=_digits("phone"))
        match |= Q(phone_digits__contains=digits)
    best = Greatest(score, Value(0.0)) if connection.vendor == "postgresql" else score
    return list(
        people.annotate(score=best)
        .filter(match)
        .only("pk", "full_name", "email", "phone", "role", "is_active", "organization__name")
        .order_by("-score", "full_name", "pk")[:limit]
    )


def organizations_matching(text: str, *, limit: int) -> list[Organization]:
    text = text.strip()
    if not text:
        return []
    organizations, match, score = _name_match(Organization.objects.all(), "name", text)
    return list(
        organizations.annotate(score=score)
        .filter(match)
        .only("pk", "name", "active")
        .order_by("-score", "name", "pk")[:limit]
    )
