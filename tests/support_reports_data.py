"""Known tickets for the support reports' tests (tests/test_support_reports*.py)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ecmp.tickets.models import Category, Ticket
from tests.factories import make_ticket

PARIS = ZoneInfo("Europe/Paris")
FAR = datetime(2100, 1, 1, tzinfo=PARIS)
PERIOD = (date(2024, 2, 1), date(2024, 3, 31))


def at(month, day, hour=9, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=PARIS)


def put(requester, created, *, first=None, closed=None, status=None, **columns):
    """A ticket opened through the services, then placed in time: `first` and
    `closed` in minutes after its creation, deadlines in `*_due` minutes (or moments)."""
    ticket = make_ticket(requester)

    def moment(value):
        if value is None or isinstance(value, datetime):
            return value
        return created + timedelta(minutes=value)

    values = {
        "created_at": created,
        "first_response_at": moment(first),
        "closed_at": moment(closed),
        "status": status or ("closed" if closed is not None else "open"),
        "first_response_due_at": moment(columns.pop("first_due", None)),
        "resolution_due_at": moment(columns.pop("resolution_due", None)),
        "sla_due_at": None,
        **columns,
    }
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    return ticket


def build_desk(alice, carol, agnes, adam):
    """Acme (alice) and Globex (carol) tickets in February and March 2024."""
    hardware = Category.objects.create(name_en="Hardware", name_fr="Matériel", position=1)
    network = Category.objects.create(name_en="Network", name_fr="Réseau", position=2)
    tickets = {
        "A1": put(alice, at(2, 5), first=10, closed=60, assignee=agnes, category=hardware,
                  channel="phone", first_due=15, resolution_due=120),
        "A2": put(alice, at(2, 12), first=20, closed=120, assignee=agnes, category=hardware,
                  first_due=15, resolution_due=240),
        "A3": put(alice, at(3, 4), first=30, closed=180, assignee=adam, channel="email",
                  first_due=60, resolution_due=120),
        "A4": put(alice, at(3, 11), first=40, channel="email", first_due=60, resolution_due=FAR),
        "N1": put(alice, at(3, 25), status="new", first_due=at(3, 26)),
        "G1": put(carol, at(2, 20), first=5, closed=100, assignee=agnes, category=network,
                  first_due=5, resolution_due=100),
        # 00:30 in Paris on March 1st is still February in UTC: a March ticket.
        "G2": put(carol, at(3, 1, 0, 30), first=15, closed=300, assignee=adam,
                  category=network, channel="phone"),
        "G3": put(carol, at(3, 20), first=60, assignee=adam, first_due=30,
                  resolution_due=at(3, 21)),
        # Opened before the period, closed in it: its resolution counts, in February.
        "E1": put(alice, at(1, 31, 22), first=30, closed=at(2, 2, 10), assignee=agnes,
                  category=hardware),
        # Outside the period.
        "E2": put(alice, at(1, 10), first=5, closed=60, assignee=agnes),
        "E3": put(carol, at(4, 2), first=5, closed=60, assignee=adam),
    }  # fmt: skip
    return tickets
