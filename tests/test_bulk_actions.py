"""Bulk actions on the queue's selected rows: each ticket through its own service,
each result shown, one refusal not stopping the others, the same rules as single actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecmp.billing.bulk_close import tickets_bulk_close
from ecmp.billing.models import TimeEntry
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Message, Ticket, TicketEvent
from ecmp.tickets.services.bulk import BULK_MAX, Selected, tickets_bulk_accept
from ecmp.tickets.services.categories import category_create, category_set_active
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket

BULK = reverse("desk:tickets-bulk")
QUEUE = reverse("desk:queue")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def three(alice, carol):
    return [make_ticket(alice, subject=f"Bulk {n}") for n in range(2)] + [
        make_ticket(carol, subject="Bulk 2")
    ]


def picked(*tickets):
    return [f"{t.number}:{t.version}" for t in tickets]


def results(response):
    """{number: done?} from the results page."""
    html = response.content.decode()
    rows = html.split('data-ticket="')[1:]
    return {int(row.split('"')[0]): 'data-done="yes"' in row[:60] for row in rows}


def test_the_queue_offers_checkboxes_and_the_bulk_bar(desk, three):
    html = desk.get(QUEUE).content.decode()
    assert f'name="ticket" value="{three[0].number}:{three[0].version}"' in html
    assert 'name="all"' in html and BULK in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_accept_each_selected_ticket(desk, three, agnes):
    response = desk.post(BULK, {"action": "accept", "ticket": picked(*three)})
    assert response.status_code == 200
    assert results(response) == {t.number: True for t in three}
    for ticket in three:
        ticket.refresh_from_db()
        assert (ticket.status, ticket.assignee) == (Status.OPEN, agnes)


def test_a_ticket_changed_meanwhile_is_refused_and_the_others_done(desk, three, adam):
    stale = picked(*three)
    services.ticket_accept(ticket=three[1], actor=adam)  # after the queue was shown
    response = desk.post(
        BULK, {"action": "priority", "priority": 4, "reason": "Outage", "ticket": stale}
    )
    assert results(response) == {
        three[0].number: True,
        three[1].number: False,
        three[2].number: True,
    }
    assert "This ticket changed since you opened it" in response.content.decode()
    priorities = dict(Ticket.objects.values_list("number", "priority"))
    assert priorities[three[1].number] == Priority.NORMAL
    assert priorities[three[0].number] == priorities[three[2].number] == Priority.URGENT
    # The reason is an internal note on each changed ticket, as for a single change.
    assert Message.objects.filter(internal=True, body__contains="Outage").count() == 2


def test_assign_and_unassign(desk, three, adam):
    response = desk.post(
        BULK, {"action": "assign", "assignee": adam.pk, "ticket": picked(*three[:2])}
    )
    assert all(results(response).values())
    assert set(Ticket.objects.filter(assignee=adam).values_list("number", flat=True)) == {
        three[0].number,
        three[1].number,
    }
    fresh = Ticket.objects.filter(pk__in=[three[0].pk, three[1].pk])
    response = desk.post(BULK, {"action": "assign", "assignee": "", "ticket": picked(*fresh)})
    assert all(results(response).values())
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_set_category(desk, three, adam):
    hardware = category_create(by=adam, name_en="Hardware", name_fr="Matériel")
    response = desk.post(
        BULK, {"action": "category", "category": hardware.pk, "ticket": picked(*three)}
    )
    assert all(results(response).values())
    assert Ticket.objects.filter(category=hardware).count() == 3
    assert TicketEvent.objects.filter(kind=EventKind.CATEGORY).count() == 3


def test_an_inactive_category_is_refused_before_anything_changes(desk, three, adam):
    hardware = category_create(by=adam, name_en="Hardware", name_fr="Matériel")
    category_set_active(by=adam, category=hardware, active=False)
    response = desk.post(
        BULK,
        {
            "action": "category",
            "category": hardware.pk,
            "ticket": picked(*three),
            "back": "queue=new",
        },
    )
    assert response.status_code == 302 and response.url == f"{QUEUE}?queue=new"
    assert not Ticket.objects.filter(category__isnull=False).exists()


def test_close_with_a_note_warns_of_missing_time(desk, three, settings):
    settings.ECMP_TIME_ON_CLOSE = "warn"
    response = desk.post(
        BULK, {"action": "close", "note": "Fixed by the update", "ticket": picked(*three)}
    )
    assert all(results(response).values())
    assert "No time was logged on this ticket." in response.content.decode()
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 3
    # The note is public, on each ticket's close.
    assert Message.objects.filter(internal=False, body="Fixed by the update").count() == 3


def test_close_under_require_refuses_tickets_without_time(desk, three, agnes, settings):
    from django.utils import timezone

    from ecmp.billing.models import ActivityType
    from ecmp.billing.services import time_entry_create

    settings.ECMP_TIME_ON_CLOSE = "require"
    time_entry_create(
        ticket=three[0],
        agent=agnes,
        day=timezone.localdate(),
        minutes=15,
        activity_type=ActivityType.objects.filter(active=True).first(),
    )
    three[0].refresh_from_db()
    response = desk.post(BULK, {"action": "close", "ticket": picked(*three)})
    assert results(response) == {
        three[0].number: True,
        three[1].number: False,
        three[2].number: False,
    }
    assert "Log the time spent on this ticket before closing it." in response.content.decode()
    assert list(Ticket.objects.filter(status=Status.CLOSED)) == [three[0]]
    assert TimeEntry.objects.count() == 1


def test_select_all_on_the_page_takes_every_shown_row(desk, three):
    response = desk.post(
        BULK, {"action": "accept", "all": "1", "shown": picked(*three), "ticket": picked(three[0])}
    )
    assert results(response) == {t.number: True for t in three}


def test_a_forged_number_is_reported_not_a_500(desk, three):
    response = desk.post(
        BULK, {"action": "accept", "ticket": [*picked(three[0]), "999999:1", "abc", "12:x"]}
    )
    assert response.status_code == 200
    assert results(response) == {three[0].number: True, 999999: False, 12: False}
    assert "There is no ticket 999999." in response.content.decode()


def test_nothing_selected_or_an_unknown_action_changes_nothing(desk, three):
    response = desk.post(BULK, {"action": "accept"}, follow=True)
    assert "Select at least one ticket." in response.content.decode()
    response = desk.post(BULK, {"action": "delete", "ticket": picked(*three)})
    assert response.status_code == 302
    response = desk.post(
        BULK, {"action": "priority", "priority": 4, "ticket": picked(*three)}, follow=True
    )
    assert "Give the reason for the change." in response.content.decode()
    assert not Ticket.objects.exclude(status=Status.NEW).exists()
    assert not Ticket.objects.exclude(priority=Priority.NORMAL).exists()


def test_the_selection_is_capped(alice, agnes):
    too_many = [Selected(n) for n in range(1000, 1001 + BULK_MAX)]
    with pytest.raises(ValidationError):
        tickets_bulk_accept(by=agnes, selected=too_many)


def test_bulk_actions_are_for_the_support_team_only(client_for, alice, carol, three):
    for person in (alice, carol):
        response = client_for(person).post(BULK, {"action": "close", "ticket": picked(*three)})
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            tickets_bulk_close(by=person, selected=[Selected(t.number) for t in three])
    assert not Ticket.objects.exclude(status=Status.NEW).exists()


def test_bulk_is_a_post_with_csrf(client_for, agnes, three):
    from django.test import Client

    assert client_for(agnes).get(BULK).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agnes, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    assert strict.post(BULK, {"action": "accept", "ticket": picked(*three)}).status_code == 403
    assert not Ticket.objects.exclude(status=Status.NEW).exists()


def test_the_back_link_stays_in_the_queue(desk, three):
    response = desk.post(
        BULK, {"action": "accept", "ticket": picked(three[0]), "back": "//evil.example/?x=1"}
    )
    assert f'href="{QUEUE}?' in response.content.decode()
    assert "evil.example/" not in response.content.decode().split("Back to the queue")[0][-200:]
