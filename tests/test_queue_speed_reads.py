"""The desk queue's reads compiled once per process (tickets/queue_reads.py) and its
filters read without the form (desk/queue_forms.py) give what the ORM and the form give."""

from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone

from ecmp.accounts.selectors import staff_choices
from ecmp.core.prepared_rows import moment
from ecmp.desk.forms import QueueFilterForm
from ecmp.desk.queue_forms import chosen_organization_id, queue_filter_bar, queue_filters
from ecmp.tickets import services
from ecmp.tickets.models import Category, Ticket
from ecmp.tickets.queue_reads import ROW, queue_count, queue_counts, queue_page_rows
from ecmp.tickets.selectors import ticket_list_for_desk
from ecmp.tickets.status import UNRESOLVED, Channel, Priority, Status
from tests.factories import make_ticket


@pytest.fixture
def queue(alice, carol, agnes, adam):
    category = Category.objects.create(name_en="Printers", name_fr="Imprimantes")
    made = []
    for n in range(9):
        ticket = make_ticket(
            alice if n % 2 else carol,
            subject=f"Printer {n}" if n % 3 else f"Network {n}",
            priority=[Priority.LOW, Priority.NORMAL, Priority.HIGH][n % 3],
            channel=Channel.EMAIL if n % 4 == 0 else Channel.WEB,
        )
        made.append(ticket)
    services.ticket_accept(ticket=made[1], actor=agnes)
    services.ticket_accept(ticket=made[2], actor=adam)
    services.ticket_transition(ticket=made[3], actor=agnes, status=Status.WAIT)
    services.ticket_transition(ticket=made[4], actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=made[5].pk).update(category=category)
    Ticket.objects.filter(pk=made[6].pk).update(sla_due_at=timezone.now() - timedelta(hours=2))
    Ticket.objects.filter(pk=made[7].pk).update(sla_due_at=None)
    return {"tickets": made, "category": category}


def _orm(user, filters, offset=0, size=25):
    query = ticket_list_for_desk(user, **filters).values_list(*ROW)
    return [tuple(row) for row in query[offset : offset + size]]


def _same(rows):
    # Datetimes as the pages read them (prepared rows carry no field converters).
    return [tuple(moment(v) if i in (6, 7, 8, 9) else v for i, v in enumerate(r)) for r in rows]


def _cases(agnes, adam, queue):
    organization = queue["tickets"][0].organization_id
    return [
        {"queue": "open", "sort": "due"},
        {"queue": "open", "sort": "-activity"},
        {"queue": "new", "sort": "number"},
        {"queue": "mine", "sort": "due"},
        {"queue": "wait", "sort": "subject"},
        {"queue": "closed", "sort": "-number"},
        {"queue": "archived", "sort": "due"},
        {"queue": "open", "sort": "-organization", "priority": Priority.HIGH},
        {"queue": "open", "sort": "organization", "assignee": "none"},
        {"queue": "open", "sort": "due", "assignee": str(adam.pk)},
        {"queue": "open", "sort": "-priority", "organization_id": organization},
        {"queue": "open", "sort": "due", "category_id": queue["category"].pk},
        {"queue": "open", "sort": "due", "channel": Channel.EMAIL, "status": Status.NEW},
        {"queue": "open", "sort": "due", "waiting": "no"},
        {"queue": "open", "sort": "due", "text": "printer"},
    ]


def test_the_queue_reads_give_what_the_orm_gives(queue, agnes, adam):
    for filters in _cases(agnes, adam, queue):
        for user in (agnes, adam):
            expected = _orm(user, filters)
            assert _same(queue_page_rows(user, filters, offset=0, size=25)) == expected, filters
            assert queue_count(user, filters, cap=10_000) == len(expected), filters
            assert queue_count(user, filters, cap=2) == min(len(expected), 3), filters
            # A later page, and a smaller one.
            later = queue_page_rows(user, filters, offset=2, size=3)
            assert _same(later) == _orm(user, filters, 2, 3), filters


def test_a_customer_reads_no_queue(queue, alice):
    filters = {"queue": "open", "sort": "due"}
    assert queue_page_rows(alice, filters, offset=0, size=25) == []
    assert queue_count(alice, filters, cap=10_000) == 0


@pytest.mark.parametrize("archived", [False, True])
def test_the_tabs_counts_are_the_aggregates(queue, agnes, adam, archived):
    now = timezone.now()
    if archived:  # an open ticket and a waiting one archived: counted nowhere
        made = queue["tickets"]
        Ticket.objects.filter(pk__in=[made[2].pk, made[3].pk]).update(archived_at=now)
    for user in (agnes, adam):
        unresolved = Ticket.objects.filter(archived_at__isnull=True, status__in=UNRESOLVED)
        expected = unresolved.aggregate(
            new=Count("status", filter=Q(status=Status.NEW)),
            mine=Count("status", filter=Q(assignee=user)),
            open=Count("status"),
            wait=Count("status", filter=Q(status=Status.WAIT)),
            overdue=Count("status", filter=Q(sla_due_at__lt=now)),
        )
        assert queue_counts(user.pk, now) == expected
        assert expected["overdue"] >= 1
        assert expected["mine"] == (0 if archived and user == adam else 1)
        assert expected["open"] > expected["new"] + expected["wait"]


# Queries the shortcut reads itself (the links and forms of the pages write these).
USUAL = [
    "",
    "queue=open&sort=due",
    "queue=mine",
    "queue=open&priority=3&q=printer",
    "status=wait&channel=email&waiting=yes",
    "organization=12",
    "category=3&category=4",
    "assignee=none",
    "assignee=AGENT",
    "q=%20%20printer%20%20",
    "q=" + "x" * 200,
    "sort=-organization",
]
# Unusual values: the form decides (its messages, its cleaning), the shortcut steps aside.
UNUSUAL = [
    "queue=nope",
    "priority=9",
    "priority=03",
    "priority= 3",
    "status=nope",
    "organization=0",
    "organization=-4",
    "organization=%EF%BC%91%EF%BC%92",  # fullwidth digits
    "organization=1.0",
    "organization= 7 ",
    "organization=99999999999999999999999",
    "assignee=999999",
    "assignee=xyz",
    "q=" + "x" * 201,
    "q=a%00b",
    "sort=sideways",
    "waiting=maybe",
]


@pytest.mark.parametrize("text", USUAL)
def test_the_usual_filters_are_the_forms_without_the_form(db, agnes, text):
    query = QueryDict(text.replace("AGENT", str(agnes.pk)))
    expected = QueueFilterForm(query or None).filters()
    fast = queue_filters(query, staff_choices())
    assert fast is not None, text  # the shortcut is taken
    assert fast == expected, (text, fast, expected)


@pytest.mark.parametrize("text", UNUSUAL)
def test_the_unusual_filters_are_left_to_the_form(db, agnes, text):
    query = QueryDict(text.replace("AGENT", str(agnes.pk)))
    assert queue_filters(query, staff_choices()) is None, text


def test_the_usual_filters_do_not_need_the_form(db, agnes):
    usual = f"queue=open&sort=-activity&status=new&priority=2&organization=4&assignee={agnes.pk}"
    assert queue_filters(
        QueryDict(usual + "&channel=web&category=2&waiting=no&q=vpn"), staff_choices()
    )
    assert queue_filters(QueryDict(""), staff_choices()) == QueueFilterForm(None).filters()


# --- The desk home --------------------------------------------------------------------


def _per_day_by_the_orm(days):
    from datetime import datetime, time

    from django.db.models.functions import TruncDate

    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, time.min))

    def per_day(field):
        rows = (
            Ticket.objects.filter(**{f"{field}__gte": since})
            .annotate(day=TruncDate(field))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {row["day"]: row["n"] for row in rows}

    opened, closed = per_day("created_at"), per_day("closed_at")
    labels = [start + timedelta(days=n) for n in range(days)]
    return {
        "labels": [day.isoformat() for day in labels],
        "opened": [opened.get(day, 0) for day in labels],
        "closed": [closed.get(day, 0) for day in labels],
    }


def test_the_tickets_per_day_are_the_local_days(queue, settings):
    from ecmp.tickets.day_counts import tickets_per_day

    tickets = queue["tickets"]
    now = timezone.now()
    # Spread over the month, some near midnight (local time: Europe/Paris).
    for n, ticket in enumerate(tickets):
        when = now - timedelta(days=3 * n, hours=n)
        closed = {"status": Status.CLOSED, "closed_at": when + timedelta(hours=5)}
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=when, **(closed if n % 2 else {"closed_at": None})
        )
    for days in (1, 7, 30, 90):
        assert tickets_per_day(days=days) == _per_day_by_the_orm(days), days
    figures = tickets_per_day(days=30)
    assert sum(figures["opened"]) == len(tickets) and sum(figures["closed"]) >= 3


def test_the_home_lists_are_the_selectors(queue, agnes, adam):
    from ecmp.tickets.queue_reads import my_open_tickets, tickets_at_risk_items

    item = ("number", "subject", "priority", "waiting_since", "sla_due_at", "first_response_at")
    for user in (agnes, adam):
        expected = list(ticket_list_for_desk(user, queue="mine").values_list(*item)[:10])
        assert [tuple(i) for i in my_open_tickets(user)] == expected
        assert expected
    made = queue["tickets"]
    # Due within the hour, within the 4 hours, just after them; archived: not shown.
    for hours, ticket in zip((1, 3, 5), made[1:4], strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(
            sla_due_at=timezone.now() + timedelta(hours=hours)
        )
    Ticket.objects.filter(pk=made[6].pk).update(archived_at=timezone.now())
    now = timezone.now()
    for within, limit in ((4, 10), (4, 1), (6, 10), (0, 10)):
        # The desk home's rule: unresolved, not archived, due before the horizon, most
        # urgent first.
        at_risk = list(
            Ticket.objects.filter(
                archived_at__isnull=True,
                status__in=UNRESOLVED,
                sla_due_at__lt=now + timedelta(hours=within),
            )
            .order_by("sla_due_at")
            .values_list(*item)[:limit]
        )
        read = tickets_at_risk_items(now, within_hours=within, limit=limit)
        assert [tuple(i) for i in read] == at_risk, (within, limit)
        assert at_risk or within == 0, (within, limit)


def test_a_customer_has_no_own_queue(queue, alice):
    from ecmp.tickets.queue_reads import my_open_tickets

    assert my_open_tickets(alice) == []


def test_searches_give_what_the_orm_gives(queue, agnes):
    number = str(queue["tickets"][1].number)
    texts = [
        "printer",
        "Printers network",
        "netw",
        "print 2",
        number,
        f"#{number}",
        "é",
        "'",
        "x" * 30,
    ]
    for text in texts:
        for filters in (
            {"queue": "open", "sort": "due", "text": text},
            {"queue": "mine", "sort": "-number", "text": text, "priority": Priority.NORMAL},
            {"queue": "closed", "sort": "subject", "text": text, "channel": Channel.EMAIL},
        ):
            expected = _orm(agnes, filters)
            assert _same(queue_page_rows(agnes, filters, offset=0, size=25)) == expected, filters
            assert queue_count(agnes, filters, cap=10_000) == len(expected), filters
    found = queue_page_rows(
        agnes, {"queue": "open", "sort": "due", "text": number}, offset=0, size=5
    )
    assert [row[0] for row in found] == [int(number)]
    assert (
        len(
            queue_page_rows(
                agnes, {"queue": "open", "sort": "due", "text": "printer"}, offset=0, size=25
            )
        )
        == 5
    )


def test_a_searchs_memoized_condition_is_the_compiled_one(queue, agnes):
    from django.core.exceptions import EmptyResultSet

    from ecmp.tickets.queue_reads import _condition

    texts = ["printer", "Printer", "printer ", "printers", "print", "imprimante", "é", "e"]
    texts += ["printer network", "network printer", "#12", "12", "'", "a%b", "x" * 30]
    seen = {}
    for _round in range(2):  # the second round from the memo
        for text in texts:
            try:
                plain = _condition.__wrapped__(text, "default")
            except EmptyResultSet:
                plain = None
            try:
                memo = _condition(text, "default")
            except EmptyResultSet:
                memo = None
            assert memo == plain, text
            seen[text] = memo
    # Texts that differ give their own condition, never another's.
    assert seen["printer"] != seen["print"] and seen["printer"] != seen["printer network"]
    # A search answered from the memo reads what the ORM reads, filters changing.
    for priority in (None, Priority.LOW, Priority.NORMAL, Priority.HIGH):
        filters = {"queue": "open", "sort": "due", "text": "printer", "priority": priority}
        expected = _orm(agnes, filters)
        assert _same(queue_page_rows(agnes, filters, offset=0, size=25)) == expected, filters


def test_no_ticket_no_day_counts(db):
    from ecmp.tickets.day_counts import tickets_per_day

    figures = tickets_per_day(days=7)
    assert figures["opened"] == [0] * 7 == figures["closed"] and len(figures["labels"]) == 7
    counts = queue_counts(1, timezone.now())
    assert counts == {"new": 0, "mine": 0, "open": 0, "wait": 0, "overdue": 0}


def test_the_home_reads_of_people_are_the_selectors(db, alice, carol, agnes):
    from ecmp.accounts.desk_home_reads import latest_invitations
    from ecmp.accounts.models import Invitation
    from ecmp.accounts.selectors import invitation_list_for_staff

    now = timezone.now()
    for n, (user, state) in enumerate(
        [(alice, {}), (carol, {"accepted_at": now}), (agnes, {"revoked_at": now}), (alice, {})]
    ):
        Invitation.objects.create(
            user=user,
            token_hash=f"{n}" * 64,
            created_at=now - timedelta(hours=n),
            expires_at=now + timedelta(days=1 - n),  # the last ones expired
            **state,
        )

    def shown(invitation):
        user = invitation.user
        return (
            invitation.pk,
            invitation.user_id,
            user.full_name,
            user.email,
            str(user.organization) if user.organization else None,
            user.activated_at,
            invitation.created_at,
            invitation.accepted_at,
            invitation.revoked_at,
            invitation.is_expired,
        )

    expected = [shown(i) for i in invitation_list_for_staff()[:3]]
    assert [shown(i) for i in latest_invitations(3)] == expected and len(expected) == 3
    # An agent without an organization, an accepted, a revoked and an expired one.
    assert [e[4] is None for e in expected] == [False, False, True]
    assert [shown(i) for i in latest_invitations(5)][-1][-1] is True


def test_the_home_shows_the_invitations_as_the_orm_gave_them(
    client_for, alice, carol, agnes, monkeypatch
):
    from django.urls import reverse

    from ecmp.accounts.models import Invitation
    from ecmp.accounts.selectors import invitation_list_for_staff
    from ecmp.desk import views

    now = timezone.now()
    Invitation.objects.create(user=alice, token_hash="a" * 64, expires_at=now + timedelta(days=1))
    Invitation.objects.create(user=agnes, token_hash="b" * 64, expires_at=now - timedelta(days=1))
    Invitation.objects.create(user=carol, token_hash="c" * 64, expires_at=now, accepted_at=now)
    desk = client_for(agnes)

    def invitations(html):
        return html[html.index("Latest invitations") : html.rindex("</ul>")]

    fast = invitations(desk.get(reverse("desk:home")).content.decode())
    monkeypatch.setattr(
        views, "latest_invitations", lambda size: list(invitation_list_for_staff()[:size])
    )
    assert fast == invitations(desk.get(reverse("desk:home")).content.decode())
    assert fast.count("list-group-item") == 3 and "Expired" in fast and "Activated" in fast


def test_the_home_items_are_what_the_filters_wrote(queue, agnes):
    import unicodedata

    from django.template.defaultfilters import truncatechars

    from ecmp.tickets.item_cells import ticket_item_cells
    from ecmp.tickets.presentation import priority_badge, sla_values
    from ecmp.tickets.queue_reads import TicketItem

    now = timezone.now()
    decomposed = unicodedata.normalize("NFD", "Écran noir après la mise à jour")
    subjects = ["Short", "x" * 50, "y" * 51, decomposed, "é" * 60 + "\u0301" * 3]
    items = [
        TicketItem(n + 1, subject, Priority.HIGH, None, now - timedelta(hours=n), None)
        for n, subject in enumerate(subjects)
    ]
    cells = ticket_item_cells(items, now)
    assert [c.subject for c in cells] == [truncatechars(s, 50) for s in subjects]
    assert cells[3].subject != decomposed  # NFC, as the filter gives it
    for cell, item in zip(cells, items, strict=True):
        sla = sla_values(item, now)
        assert (cell.sla_due, cell.sla_style, cell.sla_text) == (
            sla["due"],
            sla.get("style"),
            sla.get("text"),
        )
        assert (cell.priority_style, cell.priority) == tuple(priority_badge(item.priority).values())


def test_a_search_uses_its_compiled_statement(queue, agnes):
    from ecmp.tickets.queue_reads import _search_kind, _search_page, queue_shape

    number = str(queue["tickets"][1].number)
    for text in ("printer", "printers network", number):
        filters = {"queue": "open", "sort": "due", "text": text}
        shape, values = queue_shape(agnes, filters)
        read = _search_page(shape, len(values), 25, _search_kind(text))
        assert read.search_rows(text, *values) is not None, text  # not the ORM's way
    shape, values = queue_shape(agnes, {"queue": "open", "sort": "due", "text": "'"})
    assert _search_page(shape, len(values), 25, _search_kind("'")).search_rows("'") is None


@pytest.mark.parametrize(
    "current",
    ["", "7", "12", "007", "7 ", "\u0667", "+7", "-7", "1" * 40, "x", str(2**63), str(2**63 - 1)],
)
def test_the_filter_bar_selects_the_option_whose_text_is_the_query(current):
    # As Django's select: the option whose str(value) is the query's value.
    agents, organizations = [(7, "Ann"), (70, "Bob")], [(7, "Acme"), (12, "Globex")]
    categories = [(7, "Printers", True), (9, "Old", False)]
    query = QueryDict(mutable=True)
    for name in ("assignee", "organization", "category"):
        query[name] = current
    # The organization's autocomplete shows the one whose str(id) is the query's value.
    chosen_id = chosen_organization_id(query)
    written = current.isascii() and current.isdecimal() and str(int(current)) == current
    assert chosen_id == (int(current) if written and 0 < int(current) < 2**63 else None)
    chosen = next(((pk, name) for pk, name in organizations if pk == chosen_id), None)
    bar = queue_filter_bar(query, agents, chosen, categories)
    assert bar["organization"] == (chosen or ("", ""))
    fields = {field["name"]: field["options"] for field in bar["fields"]}
    assert fields["organization"] == []  # no options: the autocomplete finds them
    for name, pairs in (
        ("assignee", agents),
        ("category", [(pk, label) for pk, label, _active in categories]),
    ):
        read = [(str(value), text, chosen) for value, text, chosen in fields[name][-len(pairs) :]]
        assert read == [(str(pk), text, str(pk) == current) for pk, text in pairs]
