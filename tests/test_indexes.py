"""Every filter and sort of the lists is backed by an index (checked with EXPLAIN)."""

import pytest
from django.db import connection

from ecmp.accounts.models import User
from ecmp.notifications.selectors import notification_list_for
from ecmp.tickets.models import Ticket
from ecmp.tickets.search import search_filter
from ecmp.tickets.selectors import parse_number, ticket_list_for_customer, ticket_list_for_desk
from tests.factories import make_ticket


def plan_of(queryset):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # With sequential scans priced out, the planner shows whether an index can serve.
            cursor.execute("SET enable_seqscan = off")
            try:
                return queryset.explain()
            finally:
                cursor.execute("SET enable_seqscan = on")
    return queryset.explain()


def uses_an_index_on(plan: str, table: str) -> bool:
    """The plan reads the table through an index, never by a full scan."""
    if connection.vendor == "postgresql":
        scans = [line for line in plan.splitlines() if f" on {table}" in line]
        return bool(scans) and not any("Seq Scan" in line for line in scans)
    scans = [
        line for line in plan.splitlines() if table in line and ("SCAN" in line or "SEARCH" in line)
    ]
    return bool(scans) and all("INDEX" in line for line in scans)


def uses_an_index_on_tickets(plan: str) -> bool:
    return uses_an_index_on(plan, "tickets_ticket")


@pytest.fixture
def data(alice, agnes):
    for n in range(3):
        make_ticket(alice, subject=f"Ticket {n}")
    return alice, agnes


@pytest.mark.parametrize("which", ["open", "recent", "archive"])
def test_the_customers_lists_use_an_index(data, which):
    alice, _agent = data
    plan = plan_of(ticket_list_for_customer(alice, which=which))
    assert uses_an_index_on_tickets(plan), plan


@pytest.mark.parametrize(
    "filters",
    [
        {"queue": "new"},
        {"queue": "open", "sort": "due"},
        {"queue": "open", "sort": "-activity"},
        {"queue": "wait"},
        {"queue": "closed", "sort": "-activity"},
        {"queue": "archived"},
        {"queue": "mine"},
    ],
)
def test_the_desk_queues_use_an_index(data, filters):
    _alice, agent = data
    plan = plan_of(ticket_list_for_desk(agent, **filters))
    assert uses_an_index_on_tickets(plan), plan


def test_the_number_lookup_uses_the_unique_index(data):
    plan = plan_of(Ticket.objects.filter(number=1001))
    assert uses_an_index_on_tickets(plan), plan


def test_the_notifications_list_uses_an_index(data):
    _alice, agent = data
    plan = plan_of(notification_list_for(User.objects.get(pk=agent.pk), unread_only=True))
    assert uses_an_index_on(plan, "notifications_notification"), plan


@pytest.mark.postgresql
@pytest.mark.parametrize("text", ["printer", "print vpn", "1001"])
def test_the_desk_search_uses_the_full_text_indexes(data, text):
    """Text search at a million tickets: the GIN index of the search document (tickets/0002).

    (On a table this small the planner prefers the queue's own index for the whole
    desk query; the search condition alone shows that the GIN index serves it.)
    """
    plan = plan_of(search_filter(Ticket.objects.all(), text, parse_number(text)))
    assert "ticket_search" in plan, plan
    assert uses_an_index_on_tickets(plan), plan


@pytest.mark.postgresql  # SQLite cannot match a partial index to a query's parameters
@pytest.mark.parametrize("sort", ["due", "-activity"])
def test_the_default_queue_is_read_in_index_order(data, sort):
    """The unresolved tickets by deadline or activity: no sort of every open ticket."""
    _alice, agent = data
    plan = plan_of(ticket_list_for_desk(agent, queue="open", sort=sort))
    assert "ticket_unresolved_" in plan, plan
    assert not plan.lstrip().startswith(("Sort", "Limit  (cost=0.00..0.00)\n  ->  Sort")), plan
