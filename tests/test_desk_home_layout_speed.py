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
