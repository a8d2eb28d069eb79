"""Fill the search document of existing tickets and index it (PostgreSQL only).

Non-atomic and safe to run again: tickets are filled in batches of ids, each in
its own transaction (no long lock on the table), only where the document is still
empty; the GIN index is built CONCURRENTLY (writes go on), and an invalid one left
by an interrupted build is dropped first. Each ticket's text is capped so that its
document stays under PostgreSQL's 1 MB limit for a tsvector.
"""

from django.db import migrations

BATCH = 5_000
TEXT_CAP = 200_000

FILL = f"""
UPDATE tickets_ticket t SET search_document = strip(to_tsvector('simple'::regconfig, left(
    t.subject || ' ' || t.description || ' ' || COALESCE(
        (SELECT string_agg(m.body, ' ' ORDER BY m.id)
         FROM tickets_message m WHERE m.ticket_id = t.id), ''),
    {TEXT_CAP})))
WHERE t.id >= %s AND t.id < %s AND t.search_document IS NULL
"""  # noqa: S608 - a constant, no input


def fill_and_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM tickets_ticket")
        first, last = cursor.fetchone()
        for start in range(first, last + 1, BATCH):
            cursor.execute(FILL, [start, start + BATCH])
        cursor.execute(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = 'ticket_search' AND NOT i.indisvalid"
        )
        if cursor.fetchone():
            cursor.execute('DROP INDEX CONCURRENTLY IF EXISTS "ticket_search"')
        cursor.execute(
            'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ticket_search" '
            'ON "tickets_ticket" USING gin ("search_document")'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX CONCURRENTLY IF EXISTS "ticket_search"')


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0002_search_and_unresolved_queue")]
    operations = [migrations.RunPython(fill_and_index, drop_index, elidable=False)]
