"""The desk search's window edge (tickets/desk_search.py `_edge`), read by two statements
compiled once per process: what the aggregate over the numbers gives."""

from django.db.models import Max, Min

from ecmp.tickets import desk_search
from ecmp.tickets.models import Ticket
from tests.factories import make_ticket


def _edge_by_aggregate(rows: int) -> int | None:
    ends = Ticket.objects.aggregate(first=Min("number"), last=Max("number"))
    if ends["last"] is None or ends["last"] - rows < ends["first"]:
        return None
    return int(ends["last"]) - rows + 1


def test_the_edge_is_the_aggregates(alice):
    assert desk_search._edge(3) is None  # no ticket
    tickets = [make_ticket(alice, subject=f"Ticket {n}") for n in range(6)]
    Ticket.objects.filter(pk=tickets[2].pk).delete()  # a number missing
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    for rows in (1, 2, 3, 5, 6, 7, 50):
        assert desk_search._edge(rows) == _edge_by_aggregate(rows), rows
    assert desk_search._edge(2) == numbers[-1] - 1
    assert desk_search._edge(len(numbers) + 1) is None
