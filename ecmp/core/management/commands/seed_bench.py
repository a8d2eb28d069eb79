"""A realistic data set for the benchmarks, built fast with bulk inserts.

Not for production databases: it adds thousands of organizations, users,
tickets and messages. `bench/README.md` says how the benchmarks use it.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from ecmp.accounts.models import Organization, Role, User
from ecmp.tickets.models import EventKind, Message, Ticket, TicketCounter, TicketEvent
from ecmp.tickets.status import Priority, Status

BENCH_PASSWORD = "Bench-pass-1!"  # noqa: S105 - a documented benchmark password
STATUSES = [Status.NEW, Status.OPEN, Status.WAIT, Status.CLOSED, Status.CLOSED, Status.CLOSED]


class Command(BaseCommand):
    help = "Bulk-create organizations, users, tickets and messages for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=10_000)
        parser.add_argument("--messages", type=int, default=5, help="messages per ticket")
        parser.add_argument("--organizations", type=int, default=200)
        parser.add_argument("--users", type=int, default=5_000)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        batch = options["batch"]
        password = make_password(BENCH_PASSWORD)
        now = timezone.now()
        start = Ticket.objects.order_by("-number").values_list("number", flat=True).first() or 1000

        with transaction.atomic():
            organizations = Organization.objects.bulk_create(
                [
                    Organization(name=f"Bench client {n:04d}")
                    for n in range(options["organizations"])
                ],
                batch_size=batch,
            )
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"bench{n}@client{n % len(organizations)}.bench",
                        username=f"bench{n}",
                        full_name=f"Bench User {n}",
                        organization=organizations[n % len(organizations)],
                        role=Role.CUSTOMER,
                        password=password,
                        activated_at=now,
                    )
                    for n in range(options["users"])
                ],
                batch_size=batch,
            )
            agents = User.objects.bulk_create(
                [
                    User(
                        email=f"bench-agent{n}@support.bench",
                        username=f"bench-agent{n}",
                        full_name=f"Bench Agent {n}",
                        role=Role.AGENT,
                        password=password,
                        activated_at=now,
                    )
                    for n in range(10)
                ]
            )

        made = 0
        total = options["tickets"]
        while made < total:
            size = min(batch, total - made)
            with transaction.atomic():
                tickets = []
                for n in range(made, made + size):
                    requester = users[rng.randrange(len(users))]
                    status = STATUSES[rng.randrange(len(STATUSES))]
                    created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
                    tickets.append(
                        Ticket(
                            number=start + n + 1,
                            subject=f"Bench ticket {start + n + 1}: printer {rng.randrange(1000)}",
                            description="The printer on the second floor prints blank pages.",
                            requester=requester,
                            organization_id=requester.organization_id,
                            priority=rng.choice(Priority.values),
                            requested_priority=Priority.NORMAL,
                            status=status,
                            assignee=agents[rng.randrange(len(agents))]
                            if status != Status.NEW
                            else None,
                            created_at=created,
                            last_activity_at=created + timedelta(hours=1),
                            closed_at=created + timedelta(hours=2)
                            if status == Status.CLOSED
                            else None,
                            sla_due_at=None
                            if status == Status.CLOSED
                            else created + timedelta(days=1),
                        )
                    )
                tickets = Ticket.objects.bulk_create(tickets, batch_size=batch)
                messages, events = [], []
                for ticket in tickets:
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor_id=ticket.requester_id,
                            kind=EventKind.CREATED,
                            created_at=ticket.created_at,
                            dispatched_at=ticket.created_at,
                        )
                    )
                    for m in range(options["messages"]):
                        agent_turn = m % 2 == 0
                        messages.append(
                            Message(
                                ticket=ticket,
                                author_id=(
                                    agents[m % len(agents)].pk
                                    if agent_turn
                                    else ticket.requester_id
                                ),
                                body=f"Message {m}: please check the toner and the spooler.",
                                created_at=ticket.created_at + timedelta(minutes=m + 1),
                            )
                        )
                messages = Message.objects.bulk_create(messages, batch_size=batch)
                events += [
                    TicketEvent(
                        ticket_id=message.ticket_id,
                        actor_id=message.author_id,
                        kind=EventKind.REPLIED,
                        message=message,
                        created_at=message.created_at,
                        dispatched_at=message.created_at,
                    )
                    for message in messages
                ]
                TicketEvent.objects.bulk_create(events, batch_size=batch)
            made += size
            self.stdout.write(f"{made} tickets")
        TicketCounter.objects.update_or_create(pk=1, defaults={"last_number": start + total})
        self.stdout.write(self.style.SUCCESS(f"Seeded {total} tickets; password {BENCH_PASSWORD}"))
