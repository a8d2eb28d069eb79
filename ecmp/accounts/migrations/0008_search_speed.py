"""Names read nearest first (PostgreSQL only; issue 18 §3's target, accounts/search.py).

GiST trigram indexes on people's and organizations' plain names: they return rows in
the order of `<->>` (word-similarity distance), so a search reads the LIMIT's nearest
names from a few index pages, instead of every name above the threshold from the GIN
indexes of accounts/0007, then sorting them (5,000 near-identical names: 50 ms). The
GIN name indexes, no longer read, are dropped; the email's stays.
"""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS user_name_gist ON accounts_user "
    "USING gist (ecmp_unaccent(lower(full_name)) gist_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_name_gist ON accounts_organization "
    "USING gist (ecmp_unaccent(lower(name)) gist_trgm_ops)",
    "DROP INDEX IF EXISTS user_name_trgm",
    "DROP INDEX IF EXISTS organization_name_trgm",
    # Statistics of the indexed names: without them PostgreSQL guesses that 1 % of the
    # names pass `%>` and reads them all through a bitmap, then sorts (130 ms).
    "ANALYZE accounts_user",
    "ANALYZE accounts_organization",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS user_name_trgm ON accounts_user "
    "USING gin (ecmp_unaccent(lower(full_name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS organization_name_trgm ON accounts_organization "
    "USING gin (ecmp_unaccent(lower(name)) gin_trgm_ops)",
    "DROP INDEX IF EXISTS organization_name_gist",
    "DROP INDEX IF EXISTS user_name_gist",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_search_trigrams")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD), elidable=False)]
