import re
from urllib.parse import urlsplit

from django.core import mail


def last_link(path_part: str) -> str:
    """The path of the last link containing `path_part` in the last email sent."""
    assert mail.outbox, "no email was sent"
    body = mail.outbox[-1].body
    links = [link for link in re.findall(r"https?://\S+", body) if path_part in link]
    assert links, f"no link with {path_part!r} in: {body}"
    return urlsplit(links[-1]).path


def activation_path_for(user, by, capture):
    """Send `user` a fresh invitation from `by` and return the path of its link."""
    from ecmp.accounts import services

    with capture(execute=True):
        services.invitation_send(user=user, by=by)
    return last_link("/accounts/activate/")


def plan_of_sql(sql: str) -> str:
    """The database's plan for a statement (sequential scans priced out on PostgreSQL:
    whether an index can serve, not what it costs on a few rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        try:
            cursor.execute(f"{explain} {sql}")
            return " ".join(str(row) for row in cursor.fetchall())
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET enable_seqscan = on")
