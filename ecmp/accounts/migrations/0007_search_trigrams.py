"""Names found by their trigrams (PostgreSQL only; issue 18 §3, accounts/search.py).

The extensions pg_trgm and unaccent, an immutable unaccent (`ecmp_unaccent`: the
extension's own function is only stable, and an index needs an immutable one) and
GIN trigram indexes on people's names and emails and on organizations' names, so
that "Schum" or "Shuman" finds "Schuman" and "Helene" finds "Hélène". Both
extensions are trusted: the database's owner may create them. The tickets' search
(tickets/0008) uses `ecmp_unaccent` too.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # The dictionary named with its schema: immutable means independent of search_path.
    """CREATE OR REPLACE FUNCTION ecmp_unaccent(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    "CREATE INDEX IF NOT EXISTS user_name_trgm ON accounts_user "
    "USING gin (ecmp_unaccent(lower(full_name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS user_email_trgm ON accounts_user USING gin (email gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_name_trgm ON accounts_organization "
    "USING gin (ecmp_unaccent(lower(name)) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS organization_name_trgm",
    "DROP INDEX IF EXISTS user_email_trgm",
    "DROP INDEX IF EXISTS user_name_trgm",
    # tickets/0008 (rolled back first) used it; the extensions may serve others: kept.
    "DROP FUNCTION IF EXISTS ecmp_unaccent(text)",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_phone")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False)]
