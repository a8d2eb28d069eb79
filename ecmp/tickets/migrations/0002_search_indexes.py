"""Full-text indexes for the desk's search, on PostgreSQL only.

Expression indexes (GIN over to_tsvector('simple', …)) rather than stored
columns: nothing to keep up to date, and the ORM's SearchVector compiles to the
same expression (tests/test_indexes.py checks that the planner uses them).
Built CONCURRENTLY, so an upgrade does not block writes on a large database.
SQLite has no such index; its search stays a plain scan.
"""

from django.db import migrations

INDEXES = {
    "ticket_search": (
        "tickets_ticket",
        """to_tsvector('simple'::regconfig, COALESCE("subject", '') || ' ' || COALESCE("description", ''))""",
    ),
    "message_search": (
        "tickets_message",
        """to_tsvector('simple'::regconfig, COALESCE("body", ''))""",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}))'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
