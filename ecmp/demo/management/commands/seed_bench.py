"""A realistic data set for the benchmarks, built fast with raw bulk loading.

Not for production databases: it adds thousands of organizations, users,
tickets and messages. `bench/README.md` says how the benchmarks use it.

Tickets, messages and events are written as raw rows (COPY on PostgreSQL,
executemany on SQLite) rather than through the ORM: a million tickets with five
messages each is twelve million rows. On PostgreSQL the secondary indexes are
dropped during the load and built again afterwards, which is several times
faster than maintaining them row by row.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from ecmp.accounts.models import Organization, Role, User
from ecmp.demo.bench_reports import ReportColumns
from ecmp.tickets.models import EventKind, Message, Ticket, TicketCounter, TicketEvent
from ecmp.tickets.search import FTS_TABLE, fts_body
from ecmp.tickets.status import Priority, Status

BENCH_PASSWORD = "Bench-pass-1!"  # noqa: S105 - a documented benchmark password
YEAR_MINUTES = 60 * 24 * 365
STATUSES = [Status.NEW, Status.OPEN, Status.WAIT, Status.CLOSED, Status.CLOSED, Status.CLOSED]
# A small vocabulary, so that a text search matches a realistic share of tickets.
TOPICS = [
    "printer", "VPN", "email", "laptop", "password", "Wi-Fi", "backup", "invoice",
    "phone", "screen", "keyboard", "server", "firewall", "licence", "calendar",
    "shared drive", "scanner", "website", "database", "antivirus",
]  # fmt: skip
PROBLEMS = [
    "does not work", "is very slow", "shows an error", "needs an update",
    "stopped after the update", "asks for a password again", "is missing",
    "cannot connect", "crashes at start", "gives a blank page",
]  # fmt: skip
SENTENCES = [
    "Could you have a look today?", "It started this morning.", "I restarted it twice.",
    "The error message says access denied.", "Several colleagues have the same problem.",
    "We checked the cables and the settings.", "Please call me when you can.",
    "The toner and the spooler were checked.", "It worked fine last week.",
    "Thank you for your help.", "Can you confirm the next steps?", "Here is more detail.",
]  # fmt: skip


class Rows:
    """One table's columns in order, with the defaults of its model, for raw rows."""

    def __init__(self, model: type[models.Model], **fixed: Any) -> None:
        prototype = model(**fixed)
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [field.column for field in self.fields]
        self.defaults = [
            field.get_db_prep_save(getattr(prototype, field.attname), connection)
            for field in self.fields
        ]
        self.position = {field.attname: n for n, field in enumerate(self.fields)}

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = list(self.defaults)
        for name, value in values.items():
            row[self.position[name]] = value
        return row


def load(rows: Rows, data: Iterable[list[Any]]) -> None:
    """Write rows: COPY on PostgreSQL, executemany elsewhere."""
    columns = ", ".join(connection.ops.quote_name(c) for c in rows.columns)
    table = connection.ops.quote_name(rows.table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(rows.columns))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(data))  # noqa: S608


class SearchDocuments:
    """Each ticket's search document (tickets/search.py), made without a round trip
    per ticket.

    PostgreSQL: a tsvector literal for COPY, the union of what
    `ecmp_search_document` (tickets/0008) gives for each word of the texts, asked
    once per distinct word of this small vocabulary. SQLite: the FTS5 row's text.
    """

    def __init__(self) -> None:
        self.lexemes: dict[str, frozenset[str]] = {}
        self.fts_texts: dict[int, str] = {}

    def of(self, pk: int, *texts: str) -> str | None:
        """The ticket's tsvector on PostgreSQL; on SQLite its texts, kept for fts_rows."""
        if connection.vendor == "postgresql":
            return self.tsvector(*texts)
        self.fts_texts[pk] = " ".join(texts)
        return None

    @staticmethod
    def _words(*texts: str) -> set[str]:
        return {w.strip(".,;:!?").lower() for text in texts for w in text.split()} - {""}

    def learn(self, *texts: str) -> None:
        """Ask PostgreSQL once for the lexemes of every word of the vocabulary (before
        a COPY starts: no other statement can run on its connection meanwhile)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, ecmp_search_document(w)::text FROM unnest(%s::text[]) AS w",
                [sorted(self._words(*texts))],
            )
            for word, vector in cursor.fetchall():
                found = re.findall(r"'((?:[^']|'')*)'", vector or "")
                self.lexemes[word] = frozenset(f.replace("''", "'") for f in found)

    def tsvector(self, *texts: str) -> str:
        found = set().union(*(self.lexemes[w] for w in self._words(*texts)))
        return " ".join("'" + lexeme.replace("'", "''") + "'" for lexeme in sorted(found))

    def fts_rows(self) -> None:
        """SQLite: the FTS5 rows of the tickets just loaded."""
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)",  # noqa: S608
                [(pk, fts_body(text)) for pk, text in self.fts_texts.items()],
            )
        self.fts_texts.clear()


class SecondaryIndexes:
    """On PostgreSQL, drop a table's plain indexes during a load and rebuild them."""

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        self.definitions: list[str] = []

    def __enter__(self) -> SecondaryIndexes:
        if connection.vendor != "postgresql":
            return self
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
                [self.tables],
            )
            found = cursor.fetchall()
            for name, definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.definitions.append(definition)
        return self

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            for definition in self.definitions:
                cursor.execute(definition)
            if connection.vendor == "postgresql":
                for table in self.tables:
                    # As autovacuum would: statistics, and the visibility map that
                    # lets counts read the indexes alone.
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
                # And the small tables written beside them (organizations, people):
                # planned on stale counts, the API's list joined 200 organizations
                # as if 28 and took 63 ms instead of 2.
                cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Bulk-load organizations, users, tickets and messages for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=10_000)
        parser.add_argument("--messages", type=int, default=5, help="messages per ticket")
        parser.add_argument("--organizations", type=int, default=200)
        parser.add_argument("--users", type=int, default=5_000)
        parser.add_argument("--batch", type=int, default=20_000, help="tickets per transaction")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        self.rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        self.now = timezone.now()
        self.documents = SearchDocuments()
        self.documents.learn("Our", *TOPICS, *PROBLEMS, *SENTENCES)
        self.customers, self.agents = self.people(options["organizations"], options["users"])
        total, batch, per_ticket = options["tickets"], options["batch"], options["messages"]
        first = (
            Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        ) or 1000
        ids = {
            model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
            for model in (Ticket, Message, TicketEvent)
        }
        with SecondaryIndexes(
            [Ticket._meta.db_table, Message._meta.db_table, "tickets_ticketevent"]
        ):
            made = 0
            while made < total:
                size = min(batch, total - made)
                with transaction.atomic():
                    self.load_tickets(
                        ids, first + made, size, per_ticket, (made / total, size / total)
                    )
                ids[Ticket] += size
                ids[Message] += size * per_ticket
                ids[TicketEvent] += size * (per_ticket + 1)
                made += size
                self.stdout.write(f"{made} tickets ({time.perf_counter() - started:.0f} s)")
            self.stdout.write("Indexes…")
        TicketCounter.objects.update_or_create(pk=1, defaults={"last_number": first + total})
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Ticket, Message, TicketEvent]
            ):
                cursor.execute(sql)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {total} tickets in {time.perf_counter() - started:.0f} s; "
                f"password {BENCH_PASSWORD}"
            )
        )

    def people(
        self, organizations: int, users: int
    ) -> tuple[list[tuple[int, int | None]], list[int]]:
        """Organizations, customers (a manager in each organization) and ten agents."""
        password = make_password(BENCH_PASSWORD)
        with transaction.atomic():
            orgs = Organization.objects.bulk_create(
                [Organization(name=f"Bench client {n:04d}") for n in range(organizations)]
            )
            customers = User.objects.bulk_create(
                [
                    User(
                        email=f"bench{n}@client{n % organizations}.bench",
                        username=f"bench{n}",
                        full_name=f"Bench User {n}",
                        organization=orgs[n % organizations],
                        is_team_manager=n < organizations,
                        role=Role.CUSTOMER,
                        password=password,
                        activated_at=self.now,
                    )
                    for n in range(users)
                ],
                batch_size=5_000,
            )
            agents = User.objects.bulk_create(
                [
                    User(
                        email=f"bench-agent{n}@support.bench",
                        username=f"bench-agent{n}",
                        full_name=f"Bench Agent {n}",
                        role=Role.AGENT,
                        password=password,
                        activated_at=self.now,
                    )
                    for n in range(10)
                ]
            )
        return [(u.pk, u.organization_id) for u in customers], [a.pk for a in agents]

    def load_tickets(
        self, ids: dict, first_number: int, size: int, per_ticket: int, span: tuple
    ) -> None:
        """One batch; `span` (start, share, from 0 to 1) places it in the year."""
        done, batch_share = span
        rng, when = self.rng, self._when()
        report_columns = ReportColumns(self.now, when)
        tickets, messages, events = Rows(Ticket), Rows(Message), Rows(TicketEvent)
        plan, archive = [], []
        for n in range(size):
            requester, organization = self.customers[rng.randrange(len(self.customers))]
            # Spread over the year in order of number (ids grow with time, so recent
            # tickets sit together as they would), with a few minutes of jitter.
            year_left = 1 - done - (n / size) * batch_share
            created = self.now - timedelta(minutes=YEAR_MINUTES * year_left + rng.randrange(30))
            # As on a real desk: recent tickets in every state, older ones closed,
            # and those closed long ago archived (settings.ECMP_ARCHIVE_AFTER_DAYS).
            age = self.now - created
            if age < timedelta(days=14):
                status = STATUSES[rng.randrange(len(STATUSES))]
            else:
                status = Status.CLOSED
            plan.append(
                (ids[Ticket] + n, first_number + n + 1, requester, organization, status, created)
            )
            archive.append(age > timedelta(days=14 + settings.ECMP_ARCHIVE_AFTER_DAYS))

        def ticket_rows() -> Iterator[list[Any]]:
            for (pk, number, requester, organization, status, created), archived in zip(
                plan, archive, strict=True
            ):
                topic = TOPICS[rng.randrange(len(TOPICS))]
                subject = f"{topic.capitalize()} {PROBLEMS[rng.randrange(len(PROBLEMS))]}"
                description = (
                    f"Our {topic} {PROBLEMS[rng.randrange(len(PROBLEMS))]}. "
                    + SENTENCES[rng.randrange(len(SENTENCES))]
                )
                yield tickets.row(
                    {
                        "id": pk,
                        "number": number,
                        "subject": subject,
                        "description": description,
                        "requester_id": requester,
                        "organization_id": organization,
                        "priority": rng.choice(Priority.values),
                        "status": status,
                        "assignee_id": None
                        if status == Status.NEW
                        else self.agents[rng.randrange(len(self.agents))],
                        "created_at": when(created),
                        "last_activity_at": when(created + timedelta(minutes=per_ticket + 1)),
                        # Channel, category, first response, deadlines, closing time.
                        **report_columns(pk, created, status),
                        "archived_at": when(created + timedelta(days=14)) if archived else None,
                        "search_document": self.documents.of(pk, subject, description, *bodies[pk]),
                        "sla_due_at": None
                        if status == Status.CLOSED
                        else when(created + timedelta(days=1)),
                    }
                )

        def message_and_event_rows() -> tuple[list, list]:
            message_rows, event_rows = [], []
            message_id, event_id = ids[Message], ids[TicketEvent]
            for pk, _number, requester, _organization, _status, created in plan:
                event_rows.append(
                    events.row(
                        {
                            "id": event_id,
                            "ticket_id": pk,
                            "actor_id": requester,
                            "kind": EventKind.CREATED,
                            "created_at": when(created),
                            "dispatched_at": when(created),
                        }
                    )
                )
                event_id += 1
                for m in range(per_ticket):
                    author = self.agents[m % len(self.agents)] if m % 2 == 0 else requester
                    at = when(created + timedelta(minutes=m + 1))
                    body = " ".join(rng.sample(SENTENCES, 3))
                    bodies[pk].append(body)
                    message_rows.append(
                        messages.row(
                            {
                                "id": message_id,
                                "ticket_id": pk,
                                "author_id": author,
                                "body": body,
                                "created_at": at,
                            }
                        )
                    )
                    event_rows.append(
                        events.row(
                            {
                                "id": event_id,
                                "ticket_id": pk,
                                "actor_id": author,
                                "kind": EventKind.REPLIED,
                                "message_id": message_id,
                                "created_at": at,
                                "dispatched_at": at,
                            }
                        )
                    )
                    message_id += 1
                    event_id += 1
            return message_rows, event_rows

        bodies: dict[int, list[str]] = defaultdict(list)
        message_rows, event_rows = message_and_event_rows()
        load(tickets, ticket_rows())
        if connection.vendor == "sqlite":
            self.documents.fts_rows()
        load(messages, message_rows)
        load(events, event_rows)

    @staticmethod
    def _when():
        """Datetimes as the database takes them in a raw row."""
        if connection.vendor == "postgresql":
            return lambda value: value
        return connection.ops.adapt_datetimefield_value
