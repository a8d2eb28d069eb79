"""The desk ticket page's reads compiled once per process (core/prepared.py) give
what the ORM gives, for the ticket asked only; the page's fields, written in its
template, keep Django's markup when a form comes back with errors."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.billing.models import ActivityType, TimeEntry
from ecmp.billing.selectors import time_entries_for_ticket
from ecmp.billing.ticket_time import time_entries_for_ticket_page
from ecmp.core.presentation import widget
from ecmp.desk.category_forms import TicketCategoryForm
from ecmp.desk.forms import AssignForm, CloseForm, ComposerForm, PriorityForm
from ecmp.mail.models import InboundEmail
from ecmp.mail.selectors import sender_checks_for_ticket
from ecmp.mail.sender_marks import sender_marks_for_ticket
from ecmp.notifications.models import Notification
from ecmp.notifications.ticket_unread import has_unread_for_ticket
from ecmp.tickets import services
from tests.factories import make_ticket


def _mail(ticket, n, **fields):
    return InboundEmail.objects.create(
        dedupe_key=f"<{ticket.pk}.{n}@test>", raw=b"x", source="test", ticket=ticket, **fields
    )


def test_sender_marks_are_the_selectors_rows_for_that_ticket_only(alice, agnes):
    ticket, other = make_ticket(alice), make_ticket(alice, subject="Other")
    reply = services.ticket_reply(ticket=ticket, author=alice, body="More")
    evidence = [{"check": "dkim", "result": "pass", "detail": "d=acme.test"}]
    opening = _mail(ticket, 1, outcome="ticket_created", verification="verified", evidence=evidence)
    replied = _mail(
        ticket,
        2,
        outcome="replied",
        verification="failed",
        reply=reply,
        raw_purged_at=timezone.now(),
    )
    _mail(ticket, 3, outcome="ticket_created", verification="")  # no verdict: no mark
    _mail(other, 4, outcome="ticket_created", verification="unverified")  # another ticket's
    marks = sender_marks_for_ticket(ticket.pk)
    expected = {row.reply_id or 0: row for row in sender_checks_for_ticket(ticket.pk)}
    assert set(marks) == set(expected) == {0, reply.pk}
    for key, row in expected.items():
        mark = marks[key]
        assert (mark.pk, mark.verification, mark.evidence) == (
            row.pk,
            row.verification,
            row.evidence,
        )
        assert mark.raw_purged == (row.raw_purged_at is not None)
        assert mark.get_verification_display() == row.get_verification_display()
    assert marks[0].pk == opening.pk and marks[0].evidence == evidence
    assert marks[reply.pk].pk == replied.pk and marks[reply.pk].raw_purged
    assert list(sender_marks_for_ticket(other.pk)) == [0]


def test_the_pages_time_entries_are_the_selectors_newest_first(alice, agnes, adam):
    ActivityType.objects.all().delete()
    support = ActivityType.objects.create(name="Support", billable_by_default=True)
    admin = ActivityType.objects.create(name="Admin", billable_by_default=False)
    ticket, other = make_ticket(alice), make_ticket(alice, subject="Other")
    for who, activity, day, billable in [
        (agnes, support, 3, True),
        (adam, admin, 9, False),
        (agnes, admin, 3, True),
    ]:
        TimeEntry.objects.create(
            ticket=ticket,
            agent=who,
            date=datetime.date(2026, 1, day),
            minutes=day * 10,
            activity_type=activity,
            billable=billable,
            description=f"day {day}",
        )
    TimeEntry.objects.create(
        ticket=other, agent=agnes, date=datetime.date(2026, 1, 1), minutes=5, activity_type=support
    )
    rows = time_entries_for_ticket_page(ticket)
    expected = [
        (
            *(e.pk, e.date, e.minutes, e.agent_id, e.agent.full_name, e.activity_type.name),
            *(e.billable, e.description, e.invoice_id, None),
        )
        for e in time_entries_for_ticket(ticket)
    ]
    assert [tuple(row) for row in rows] == expected
    assert [row.date for row in rows] == [
        datetime.date(2026, 1, 9),
        datetime.date(2026, 1, 3),
        datetime.date(2026, 1, 3),
    ]
    assert rows[0].billable is False and rows[1].billable is True


def test_unread_notifications_of_a_ticket_are_the_recipients_own(
    client_for, alice, agnes, adam, run_on_commit
):
    ticket = run_on_commit(lambda: make_ticket(alice))
    other = run_on_commit(lambda: make_ticket(alice, subject="Other"))
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=alice, body="More"))
    assert Notification.objects.filter(recipient=agnes, ticket=ticket, read_at=None).exists()
    assert has_unread_for_ticket(agnes.pk, ticket.pk)
    assert has_unread_for_ticket(adam.pk, ticket.pk)
    assert has_unread_for_ticket(agnes.pk, other.pk)
    assert not has_unread_for_ticket(alice.pk, ticket.pk)  # nothing for her own reply
    client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    assert not has_unread_for_ticket(agnes.pk, ticket.pk)
    assert has_unread_for_ticket(adam.pk, ticket.pk)  # the admin's stay unread
    assert has_unread_for_ticket(agnes.pk, other.pk)  # and her other ticket's


@pytest.fixture
def page_of(client_for, agnes):
    def render(ticket, data, action):
        url = reverse(f"desk:ticket-{action}", args=[ticket.number])
        response = client_for(agnes).post(url, data)
        assert response.status_code == 400
        return response.content.decode()

    return render


def test_a_refused_composer_writes_its_fields_as_django_would(page_of, alice):
    ticket = make_ticket(alice)
    data = {"version": "x", "kind": "note", "body": 'Say "hi" <b>', "time": "nonsense"}
    data |= {"activity_type": "", "billable": "on"}
    html = page_of(ticket, data, "reply")
    form = ComposerForm(data)
    assert not form.is_valid()
    for name in ("body", "time", "activity_type", "billable"):
        assert widget(form[name]) in html, name
    assert str(form["version"]) in html
    assert 'value="note" class="btn-check" id="id_kind_1" checked' in html
    assert "is-invalid" in widget(form["time"])


def test_a_refused_priority_and_close_write_their_fields_as_django_would(page_of, alice):
    ticket = make_ticket(alice)
    data = {"version": str(ticket.version), "priority": "9", "reason": ""}
    html = page_of(ticket, data, "priority")
    form = PriorityForm(data)
    assert not form.is_valid()
    assert widget(form["priority"]) in html and widget(form["reason"]) in html
    assert 'aria-invalid="true" aria-describedby="id_reason-errors" required id="id_reason"' in html
    close = CloseForm(data={"version": "-1", "note": "Done & dusted"})
    assert not close.is_valid()
    html = page_of(ticket, {"version": "-1", "note": "Done & dusted"}, "close")
    assert widget(close["note"]) in html and str(close["version"]) in html


def test_the_page_writes_the_assignee_and_category_selects_as_django_would(
    client_for, alice, agnes
):
    ticket = make_ticket(alice)
    services.ticket_assign(ticket=ticket, actor=agnes, assignee=agnes, version=ticket.version)
    ticket.refresh_from_db()
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number])).content
    html = html.decode()
    assign = AssignForm(initial={"version": ticket.version, "assignee": agnes.pk}, current=agnes)
    category = TicketCategoryForm(initial={"version": ticket.version, "category": None})
    assert widget(assign["assignee"]) in html
    assert widget(category["category"]) in html
    assert "selected>Agnes Agent</option>" in html


def test_the_page_reads_nothing_more_for_notifications_once_viewed(client_for, alice, agnes):
    ticket = make_ticket(alice)
    client = client_for(agnes)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]


def test_a_view_writes_every_form_as_django_would(client_for, alice, agnes):
    from ecmp.billing.activity_choices import composer_activities

    ticket = make_ticket(alice)
    html = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    html = html.content.decode()
    activities, last = composer_activities(agnes)
    version = {"version": ticket.version}
    composer = ComposerForm(initial=version, activities=activities, last_activity=last)
    priority = PriorityForm(initial=version | {"priority": ticket.priority})
    close = CloseForm(initial=version)
    for form, names in [
        (composer, ("body", "time", "activity_type", "billable")),
        (priority, ("priority", "reason")),
        (close, ("note",)),
    ]:
        for name in names:
            assert widget(form[name]) in html, name
        assert str(form["version"]) in html
    for choice in composer["kind"]:
        assert choice.tag() in html
    assert 'value="reply" class="btn-check" id="id_kind_0" checked>' in html
