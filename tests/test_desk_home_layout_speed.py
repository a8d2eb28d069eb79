"""The desk home's short lists and chart, and the layout's CSRF values, made cheaper:
each compared with the plain way on varied inputs (ecmp/tickets/item_cells.py,
ecmp/tickets/day_counts.py, ecmp/core/context_processors.py)."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template.backends.utils import csrf_input
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from ecmp.core.context_processors import csrf_once
from ecmp.tickets.item_cells import ticket_item_cells
from ecmp.tickets.presentation import priority_badge, sla_values
from ecmp.tickets.queue_reads import TicketItem
from ecmp.tickets.status import Priority
from tests.menu_reference import desk_alert_counts


def _items(now: datetime) -> list[TicketItem]:
    # Every branch of the SLA's words: paused, no deadline, overdue by minutes, hours
    # and days, less than an hour left, hours and days left; a first response or not.
    due = [
        None,
        now - timedelta(minutes=5),
        now - timedelta(hours=3, minutes=2),
        now - timedelta(days=2, hours=1),
        now + timedelta(minutes=30),
        now + timedelta(hours=5, minutes=7),
        now + timedelta(days=3),
        now,
    ]
    items = [
        TicketItem(n + 1, f"Subject {n}", priority, None, deadline, answered)
        for n, deadline in enumerate(due)
        for priority, answered in ((Priority.LOW, None), (Priority.URGENT, now))
    ]
    items.append(TicketItem(99, "Waiting", Priority.HIGH, now, now - timedelta(days=1), None))
    items.append(TicketItem(100, "Waiting, no due", Priority.NORMAL, now, None, now))
    return items


@pytest.mark.parametrize("language", ["en", "fr", "en"])
def test_the_desk_homes_items_say_what_the_sla_badge_says(language, db):
    now = timezone.now()
    items = _items(now)
    with translation.override(language):
        cells = ticket_item_cells(items, now)
        for cell, item in zip(cells, items, strict=True):
            sla = sla_values(item, now)
            assert (cell.sla_due, cell.sla_style, cell.sla_what, cell.sla_text) == (
                sla["due"],
                sla.get("style"),
                sla.get("what"),
                sla.get("text"),
            )
            badge = priority_badge(item.priority)
            assert (cell.priority_style, cell.priority) == (badge["style"], badge["label"])
            assert cell.url == reverse("desk:ticket-detail", args=[item.number])


def test_the_items_words_follow_the_language_of_each_call(db):
    # The words are kept per language: French after English is French.
    now = timezone.now()
    item = TicketItem(1, "S", Priority.LOW, None, now - timedelta(hours=2), None)
    with translation.override("en"):
        english = ticket_item_cells([item], now)[0]
    with translation.override("fr"):
        french = ticket_item_cells([item], now)[0]
    assert english.sla_text.startswith("overdue by")
    assert french.sla_text != english.sla_text and french.sla_what != english.sla_what
    with translation.override("fr"):
        assert french.sla_text == sla_values(item, now)["text"]


def test_the_charts_midnights_are_make_awares(settings, db):
    from ecmp.tickets import day_counts

    seen = []

    class Spy:
        def rows(self, *midnights):
            seen.extend(midnights)
            return []

    for zone in ("Europe/Paris", "America/New_York", "UTC"):
        settings.TIME_ZONE = zone
        seen.clear()
        original = day_counts._read
        day_counts._read = lambda days: Spy()
        try:
            with timezone.override(zone):
                day_counts.tickets_per_day(days=200)  # across a change of summer time
                today = timezone.localdate()
                start = today - timedelta(days=199)
                expected = [
                    timezone.make_aware(datetime.combine(start + timedelta(days=n), time.min))
                    for n in range(201)
                ]
        finally:
            day_counts._read = original
        assert seen == expected
        assert [m.utcoffset() for m in seen] == [m.utcoffset() for m in expected]


def test_a_pages_csrf_field_is_djangos_with_the_pages_one_token(rf: RequestFactory):
    request = rf.get("/")
    values = csrf_once(request)
    token = str(values["csrf_token"])
    field = str(values["csrf_input"])
    django_field = str(csrf_input(request))  # Django's, with a mask of its own
    django_token = re.search(r'value="([^"]+)"', django_field).group(1)
    assert field == django_field.replace(django_token, token)
    assert field == f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    assert hasattr(values["csrf_input"], "__html__")  # written as is, not escaped
    # One mask per page: the same token each time it is read.
    assert str(values["csrf_token"]) == token
    # A real token of the request's secret.
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    # Each page its own mask.
    assert str(csrf_once(request)["csrf_token"]) != token


def test_a_page_writes_one_token_that_its_forms_accept(client_for, agnes):
    client = client_for(agnes)
    client.handler.enforce_csrf_checks = True
    page = client.get("/desk/").content.decode()
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([^"]+)"', page))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
    assert len(tokens) == 1
    answer = client.post(
        reverse("accounts:set-language"),
        {"csrfmiddlewaretoken": tokens.pop(), "language": "fr", "next": "/desk/"},
    )
    assert answer.status_code == 302


# --- The desk menu's counts read with the bell's (ecmp/desk/menu.py) ---------------


@pytest.fixture
def notified(agnes, adam, alice):
    """Unread and read notifications of agnes, adam and alice about one ticket."""
    from ecmp.notifications.models import Notification
    from ecmp.tickets.models import EventKind, TicketEvent
    from tests.factories import make_ticket

    ticket = make_ticket(alice)
    now = timezone.now()
    events = [
        TicketEvent.objects.create(ticket=ticket, actor=alice, kind=EventKind.CREATED)
        for _ in range(5)
    ]
    for recipient, unread, read in ((agnes, 3, 2), (adam, 1, 0), (alice, 2, 1)):
        for n in range(unread + read):
            Notification.objects.create(
                recipient=recipient,
                ticket=ticket,
                event=events[n],
                read_at=now if n >= unread else None,
            )
    return ticket


def _pending_requests(alice, count):
    from ecmp.accounts.models import RegistrationRequest

    for n in range(count):
        RegistrationRequest.objects.create(
            organization=alice.organization,
            requested_by=alice,
            full_name=f"P{n}",
            email=f"p{n}@acme.test",
        )


@pytest.mark.parametrize("requests", [0, 2])
def test_a_staff_pages_counts_are_the_menus_and_the_bells(
    requests, notified, agnes, adam, alice, bob
):
    from ecmp.desk.menu import _PageCounts
    from ecmp.notifications.selectors import notification_unread_count_for

    _pending_requests(alice, requests)
    for user in (agnes, adam):
        menu_first = _PageCounts(user)
        assert menu_first.alerts() == desk_alert_counts()
        assert menu_first.unread() == notification_unread_count_for(user)
        bell_first = _PageCounts(user)  # the bell's fragment: its own statement
        bell_first.unread()
        assert bell_first.alerts() == desk_alert_counts()
    assert desk_alert_counts()["registration_requests"] == requests
    assert notification_unread_count_for(agnes) == 3 and notification_unread_count_for(adam) == 1


def test_a_staff_page_reads_the_menu_and_the_bell_in_one_statement(client_for, notified, agnes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(agnes)
    client.get(reverse("desk:home"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("desk:queue")).content.decode()
    counted = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counted) == 1 and "mail_inboundemail" in counted[0]
    assert 'data-unread="3"' in html
    # The bell's own fragment: the bell's count alone.
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("portal:notification-bell")).content.decode()
    counted = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counted) == 1 and "mail_inboundemail" not in counted[0]
    assert 'data-unread="3"' in html


def test_a_customers_bell_is_unchanged(client_for, notified, alice):
    from ecmp.desk.menu import alerts

    html = client_for(alice).get(reverse("portal:dashboard")).content.decode()
    assert 'data-unread="2"' in html
    request = RequestFactory().get("/")
    request.user = alice
    assert alerts(request) == {}


def test_a_deactivated_agent_is_anonymous_and_has_no_menu(client_for, agnes):
    """The menu's counts have no case for a deactivated agent: the sign-in backend
    refuses them, so from the next request on the agent is anonymous."""
    from django.contrib.auth import get_user

    from ecmp.accounts.models import User
    from ecmp.desk.menu import alerts

    client = client_for(agnes)
    assert client.get(reverse("desk:queue")).status_code == 200
    User.objects.filter(pk=agnes.pk).update(is_active=False)
    answer = client.get(reverse("desk:queue"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:login"))
    request = RequestFactory().get(reverse("desk:queue"))
    request.session = client.session
    request.user = get_user(request)
    assert not request.user.is_authenticated
    assert alerts(request) == {}


@pytest.mark.parametrize("requests", [0, 1, 3])
def test_the_desk_homes_pending_requests_are_read_with_the_menu(
    requests, client_for, notified, agnes, alice, bob
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecmp.accounts.removals import removal_request_create

    _pending_requests(alice, requests)
    # A pending removal: counted in the menu's badge, not in the home's registrations.
    removal_request_create(manager=alice, person=bob, reason="Left the company")
    client = client_for(agnes)
    client.get(reverse("desk:home"))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("desk:home"))
    counted = [q["sql"] for q in queries if "accounts_registrationrequest" in q["sql"]]
    assert len(counted) == 1 and "notifications_notification" in counted[0]
    html = answer.content.decode()
    assert 'data-unread="3"' in html
    badge = "danger" if requests else "secondary"
    assert f'<span class="badge text-bg-{badge}">{requests}</span>' in html


# --- The desk home's counts in one statement (ecmp/desk/home_reads.py) ------------


@pytest.fixture
def month(alice, bob, agnes):
    """Tickets opened over the last days, some closed."""
    from ecmp.tickets.models import Ticket
    from tests.factories import make_ticket

    now = timezone.now()
    for n in range(12):
        ticket = make_ticket(alice if n % 2 else bob, subject=f"Day {n}")
        opened = now - timedelta(days=n * 3, hours=n, minutes=5)
        changes = {"created_at": opened}
        if n % 3 == 0:
            changes |= {"status": "closed", "closed_at": opened + timedelta(minutes=1)}
        Ticket.objects.filter(pk=ticket.pk).update(**changes)


@pytest.mark.parametrize("days", [30, 7])
def test_the_desk_homes_counts_are_the_charts_the_menus_and_the_bells(
    days, month, notified, agnes, alice, bob, settings
):
    from ecmp.accounts.models import RegistrationRequest
    from ecmp.desk.home_reads import desk_home_counts
    from ecmp.desk.menu import page_counts
    from ecmp.notifications.selectors import notification_unread_count_for
    from ecmp.tickets.day_counts import tickets_per_day

    _pending_requests(alice, 2)
    for zone in ("Europe/Paris", "Pacific/Auckland"):
        with timezone.override(zone):
            request = RequestFactory().get("/desk/")
            request.user = agnes
            per_day, pending = desk_home_counts(request, days=days)
            assert per_day == tickets_per_day(days=days)
            assert sum(per_day["opened"]) > 0 and sum(per_day["closed"]) > 0
            waiting = RegistrationRequest.objects.filter(status=RegistrationRequest.Status.PENDING)
            assert pending == waiting.count() == 2
            counts = page_counts(request)
            assert counts.alerts() == desk_alert_counts()
            assert counts.unread() == notification_unread_count_for(agnes) == 3


def test_the_desk_home_reads_the_chart_with_the_menu_and_the_bell(client_for, month, agnes):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(agnes)
    client.get(reverse("desk:home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("desk:home"))
    counted = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counted) == 1
    assert "accounts_registrationrequest" in counted[0] and "closed_at" in counted[0]
    assert not [q for q in queries if "closed_at" in q["sql"] and q["sql"] != counted[0]]


# --- Constants written into a prepared read's SQL (core/prepared.ConstantsWritten) ------


def test_a_read_with_its_constants_written_in_gives_the_plain_reads_rows(db, alice, bob, agnes):
    from ecmp.accounts.models import User
    from ecmp.core.prepared import INTEGER, ConstantsWritten, prepared

    odd = ["O'Hara 50%", "50% d'effort", "%s", "%%", "'; --", "plain"]
    for n, name in enumerate(odd):
        User.objects.filter(pk=(alice, bob, agnes)[n % 3].pk).update(full_name=name)
        builds = [
            lambda uid, name=name: User.objects.filter(pk=uid, full_name=name).values_list("pk"),
            lambda uid, name=name: User.objects.filter(
                pk__gte=uid, full_name__contains=name[:3]
            ).values_list("pk", "full_name"),
            lambda uid, name=name: (
                User.objects.filter(full_name__icontains=name)
                .exclude(pk=uid)
                .values_list("full_name")
            ),
        ]
        for build in builds:
            written, plain = ConstantsWritten(build, (INTEGER,)), prepared(build, arity=1)
            for user_id in (0, alice.pk, bob.pk, agnes.pk):
                assert sorted(written.rows(user_id)) == sorted(plain.rows(user_id)), name
                assert sorted(written.rows(user_id)) == sorted(build(user_id)), name
            _sql, params, _slots = written._statement("default")
            assert len(params) == 1  # the caller's value alone


def test_the_menus_statuses_are_written_in(db):
    from ecmp.desk.home_reads import _read
    from ecmp.desk.menu import _WITH_BELL

    for read in (_WITH_BELL, _read(30)):
        sql, params, _slots = read._statement("default")
        assert not [p for p in params if isinstance(p, str) and p in ("pending", "held")]
        assert "'pending'" in sql and "'held'" in sql


@pytest.mark.parametrize("token", ["abcDEF123", "", "<b>&\"'x", "csrf-value", "é" * 3])
def test_the_csrf_field_is_its_template_rendered(token):
    from django.template import engines

    from ecmp.core.context_processors import _csrf_field

    template = engines["jinja2"].env.get_template("includes/csrf_input.html")
    assert str(_csrf_field(token)) == template.render(token=token)


def test_the_pages_user_is_the_requests_read_through(rf, alice):
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    from ecmp.core.context_processors import viewer

    for person in (alice, AnonymousUser()):
        for evaluated in (False, True):
            request = rf.get("/")
            request.user = SimpleLazyObject(lambda person=person: person)
            if evaluated:
                assert request.user.is_authenticated == person.is_authenticated
            assert viewer(request)["user"] is person
        request.user = person  # not lazy
        assert viewer(request)["user"] is person
    del request.user
    assert viewer(request) == {}


def test_the_layout_names_the_signed_in_person(client_for, alice, agnes):
    for person, path in ((alice, "/portal/"), (agnes, "/desk/")):
        html = client_for(person).get(path).content.decode()
        assert f'<span class="app-user-name">{person.get_full_name()}</span>' in html
        assert person.email in html
    assert "Acme" in client_for(alice).get("/portal/").content.decode()


@pytest.mark.parametrize("prefix", ["/", "/help/"])
def test_a_pages_link_is_links(rf, prefix):
    from django.urls import get_script_prefix, set_script_prefix

    from ecmp.core.context_processors import page_links
    from ecmp.core.presentation import link

    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        page_link = page_links(rf.get("/"))["link"]
        for view, args in (
            ("portal:dashboard", ()),
            ("desk:ticket-detail", (7,)),
            ("desk:ticket-detail", (70000,)),
            ("accounts:set-language", ()),
            ("desk:organization", (3,)),
        ):
            assert page_link(view, *args) == link(view, *args)
            assert page_link(view, *args).startswith(prefix)
    finally:
        set_script_prefix(before)
