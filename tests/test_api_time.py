"""The support team logs time through the API as the desk does; customers may not."""

from datetime import timedelta

from django.utils import timezone

from ecmp.billing.models import ActivityType, TimeEntry
from tests.api_helpers import api_as
from tests.factories import make_ticket


def test_an_agent_logs_time_on_a_ticket(alice, agnes):
    ticket = make_ticket(alice)
    support = ActivityType.objects.get(name="Support")
    yesterday = timezone.localdate() - timedelta(days=1)
    api = api_as(agnes)
    response = api.post(
        f"/tickets/{ticket.number}/time-entries",
        {
            "minutes": 45,
            "activity": support.pk,
            "date": yesterday.isoformat(),
            "description": "Fuser",
        },
    )
    assert response.status_code == 201, response.content
    entry = TimeEntry.objects.get()
    assert (entry.ticket, entry.agent, entry.minutes, entry.date) == (ticket, agnes, 45, yesterday)
    assert entry.billable is support.billable_by_default and entry.description == "Fuser"
    assert response.json()["minutes"] == 45
    listed = api.get(f"/tickets/{ticket.number}/time-entries").json()
    assert [e["id"] for e in listed] == [entry.pk]
    # Today by default, and billable as told.
    api.post(
        f"/tickets/{ticket.number}/time-entries",
        {"minutes": 10, "activity": support.pk, "billable": False},
    )
    assert TimeEntry.objects.get(minutes=10).date == timezone.localdate()
    assert TimeEntry.objects.get(minutes=10).billable is False


def test_time_is_refused_as_on_the_desk(alice, agnes):
    ticket = make_ticket(alice)
    support = ActivityType.objects.get(name="Support")
    api = api_as(agnes)
    path = f"/tickets/{ticket.number}/time-entries"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = api.post(path, {"minutes": 5, "activity": support.pk, "date": tomorrow})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    assert api.post(path, {"minutes": 0, "activity": support.pk}).status_code == 422
    assert api.post(path, {"minutes": 5, "activity": 999999}).status_code == 422
    assert api.post(path, {"minutes": 5}).status_code == 422
    assert TimeEntry.objects.count() == 0


def test_customers_and_read_tokens_cannot_log_time(alice, agnes):
    ticket = make_ticket(alice)
    support = ActivityType.objects.get(name="Support")
    path = f"/tickets/{ticket.number}/time-entries"
    assert api_as(alice).post(path, {"minutes": 5, "activity": support.pk}).status_code == 403
    reader = api_as(agnes, scope="read")
    assert reader.post(path, {"minutes": 5, "activity": support.pk}).status_code == 403
    assert api_as(alice).get(path).status_code == 403
    assert TimeEntry.objects.count() == 0
