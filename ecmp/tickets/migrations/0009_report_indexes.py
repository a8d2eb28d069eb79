"""Indexes for the support manager's reports (issue 18 §7, tickets/reports.py and
reports_flow.py), PostgreSQL only: a month of a million tickets is read from them
alone (index-only scans), never from the wide ticket rows (search document, text).

- ticket_report_opened: the tickets opened in a period, with what the times, the
  SLA compliance and the channels read;
- ticket_report_closed: the tickets closed in a period (resolution times, the
  backlog's closes and its count at the period's start).

Not in the model's Meta: INCLUDE and a partial condition are PostgreSQL's, and
SQLite's small databases need neither. Built in the migration's transaction: on a
large database, writes to tickets wait the seconds they take.
"""

from django.db import migrations

OPENED = (
    "CREATE INDEX IF NOT EXISTS ticket_report_opened ON tickets_ticket (created_at) "
    "INCLUDE (id, organization_id, assignee_id, category_id, channel, status, "
    "first_response_at, closed_at, first_response_due_at, resolution_due_at)"
)
CLOSED = (
    "CREATE INDEX IF NOT EXISTS ticket_report_closed ON tickets_ticket (closed_at) "
    "INCLUDE (id, status, created_at, organization_id, assignee_id, category_id) "
    "WHERE status = 'closed'"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OPENED)
        schema_editor.execute(CLOSED)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ticket_report_opened")
        schema_editor.execute("DROP INDEX IF EXISTS ticket_report_closed")


class Migration(migrations.Migration):
    # Asked for on 0007; 0008 (the search engineer's) was committed meanwhile, and two
    # leaves would stop every `migrate` in the shared tree.
    dependencies = [("tickets", "0008_search_languages")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
