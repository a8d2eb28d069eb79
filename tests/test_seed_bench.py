"""The benchmark data set (manage.py seed_bench) loads whole, consistent rows.

It writes raw rows (COPY on PostgreSQL), so a model change that it does not
follow must fail here, not in a benchmark run.
"""

import pytest
from django.core.management import call_command
from django.db.models import Count

from ecmp.accounts.models import Organization, User
from ecmp.tickets import services
from ecmp.tickets.models import Message, Ticket, TicketEvent
from ecmp.tickets.selectors import ticket_list_for_desk


@pytest.mark.django_db(transaction=True)
def test_seed_bench_builds_a_consistent_desk(capsys):
    call_command(
        "seed_bench", tickets=300, organizations=5, users=40, batch=120, messages=3, verbosity=0
    )
    assert Organization.objects.count() == 5
    assert User.objects.filter(role="customer").count() == 40
    assert User.objects.filter(role="customer", is_team_manager=True).count() == 5
    assert Ticket.objects.count() == 300
    assert Message.objects.count() == 900
    assert TicketEvent.objects.count() == 1200
    numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 300))
    per_ticket = Message.objects.values("ticket").annotate(n=Count("id"))
    assert {row["n"] for row in per_ticket} == {3}
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    # Tickets follow time: the highest numbers are the most recent.
    first, last = Ticket.objects.order_by("number")[0], Ticket.objects.order_by("-number")[0]
    assert first.created_at < last.created_at
    # Old ones closed and archived, recent ones in every state.
    assert Ticket.objects.filter(archived_at__isnull=False, status="closed").exists()
    assert not Ticket.objects.filter(archived_at__isnull=False).exclude(status="closed").exists()

    # The services carry on from the loaded rows: numbers, ids, search.
    customer = User.objects.filter(role="customer").first()
    made = services.ticket_create(requester=customer, subject="After the seed", description="x")
    assert made.number == numbers[-1] + 1
    agent = User.objects.filter(role="agent").first()
    topic = Ticket.objects.order_by("number").values_list("subject", flat=True)[0].split()[0]
    found = ticket_list_for_desk(agent, queue="archived", text=topic.lower())
    expected = {
        ticket
        for ticket in Ticket.objects.filter(archived_at__isnull=False)
        if topic.lower() in f"{ticket.subject} {ticket.description}".lower()
    }
    assert expected and set(found) == expected
    in_messages = ticket_list_for_desk(agent, queue="archived", text="spooler toner")
    assert in_messages.exists()
