"""The search document in three configurations, without accents (issue 18 §3).

PostgreSQL: text search configurations `ecmp_simple`, `ecmp_english` and
`ecmp_french` (copies of the built-in ones whose words go through unaccent first),
`ecmp_search_document(text)` (the three, stripped, in one tsvector), and every
ticket's document rebuilt with it. SQLite: the FTS5 table `tickets_search`, filled
from every ticket's texts. See tickets/search.py.

Non-atomic and safe to run again: tickets are rebuilt in batches of ids, each in its
own transaction (no long lock on the table); the GIN index of tickets/0003 stays and
serves throughout. Each ticket's text is capped, so that three configurations still
fit in PostgreSQL's 1 MB for a tsvector.
"""

from django.db import migrations, transaction

from ecmp.tickets.search import fts_body

BATCH = 5_000
TEXT_CAP = 100_000

# Each configuration: the built-in one, with words that hold a letter outside ASCII
# (word, hword, hword_part) unaccented before the dictionary sees them.
CONFIGURATIONS = {
    "ecmp_simple": "simple",
    "ecmp_english": "english_stem",
    "ecmp_french": "french_stem",
}
PARENTS = {"ecmp_simple": "simple", "ecmp_english": "english", "ecmp_french": "french"}

DOCUMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION ecmp_search_document(text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
SELECT strip(to_tsvector('ecmp_simple'::regconfig, $1)
          || to_tsvector('ecmp_english'::regconfig, $1)
          || to_tsvector('ecmp_french'::regconfig, $1))
$$"""

TEXTS = f"""left(t.subject || ' ' || t.description || ' ' || COALESCE(
    (SELECT string_agg(m.body, ' ' ORDER BY m.id)
     FROM tickets_message m WHERE m.ticket_id = t.id), ''), {TEXT_CAP})"""  # noqa: S608

FILL = f"""UPDATE tickets_ticket t SET search_document = ecmp_search_document({TEXTS})
WHERE t.id >= %s AND t.id < %s"""  # noqa: S608 - constants, no input
FILL_SIMPLE = f"""UPDATE tickets_ticket t
SET search_document = strip(to_tsvector('simple'::regconfig, {TEXTS}))
WHERE t.id >= %s AND t.id < %s"""  # noqa: S608 - constants, no input

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_search "
    "USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
)
FTS_TEXTS = """SELECT t.id, t.subject, t.description,
    (SELECT group_concat(body, ' ') FROM (
        SELECT m.body FROM tickets_message m WHERE m.ticket_id = t.id ORDER BY m.id))
FROM tickets_ticket t WHERE t.id >= %s AND t.id < %s"""


def _batches(cursor):
    cursor.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM tickets_ticket")
    first, last = cursor.fetchone()
    return range(first, last + 1, BATCH)


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(FTS_CREATE)
            for start in _batches(cursor):
                cursor.execute(FTS_TEXTS, [start, start + BATCH])
                rows = [
                    (pk, fts_body(" ".join(filter(None, texts))[:TEXT_CAP]))
                    for pk, *texts in cursor.fetchall()
                ]
                with transaction.atomic(using=connection.alias), connection.cursor() as writer:
                    writer.executemany(
                        "INSERT OR REPLACE INTO tickets_search (rowid, body) VALUES (%s, %s)", rows
                    )
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, dictionary in CONFIGURATIONS.items():
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(
                    f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{PARENTS[name]})"
                )
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR word, hword, "
                f"hword_part WITH public.unaccent, pg_catalog.{dictionary}"
            )
        cursor.execute(DOCUMENT_FUNCTION)
        for start in _batches(cursor):
            cursor.execute(FILL, [start, start + BATCH])


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS tickets_search")
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for start in _batches(cursor):
            cursor.execute(FILL_SIMPLE, [start, start + BATCH])
        cursor.execute("DROP FUNCTION IF EXISTS ecmp_search_document(text)")
        for name in CONFIGURATIONS:
            cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("tickets", "0007_categories_followers_views_presence"),
        ("accounts", "0007_search_trigrams"),
    ]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
