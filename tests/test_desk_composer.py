"""The desk's composer: a reply or note, the time spent and the next status in one POST."""

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from ecmp.billing.models import ActivityType, TimeEntry
from ecmp.tickets.models import Message
from ecmp.tickets.status import Status
from tests.factories import make_ticket, upload


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def support():
    return ActivityType.objects.get(name="Support")


def compose(desk, ticket, then="", **data):
    ticket.refresh_from_db()
    data.setdefault("version", ticket.version)
    data["then"] = then
    return desk.post(reverse("desk:ticket-reply", args=[ticket.number]), data, follow=True)


def mail_to(user):
    return [email for email in mail.outbox if user.email in email.to]


def test_send_with_time_and_close_is_one_post(
    desk, ticket, alice, agnes, support, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(
            desk,
            ticket,
            then=Status.CLOSED,
            body="The fuser is replaced.",
            time="1h30",
            activity_type=support.pk,
            billable="on",
            files=[upload()],
        )
    assert "Your reply is sent; the ticket is closed." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.messages.get().body == "The fuser is replaced."
    entry = TimeEntry.objects.get(ticket=ticket)
    assert (entry.minutes, entry.agent, entry.activity_type, entry.billable) == (
        90,
        agnes,
        support,
        True,
    )
    emails = mail_to(alice)
    assert len(emails) == 1  # the close, with the reply and its file in it
    assert "The fuser is replaced." in emails[0].body and "Files:" in emails[0].body
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert "The fuser is replaced." in page.content.decode()


@pytest.mark.parametrize("duration, minutes", [("15m", 15), ("1h30", 90), ("1:30", 90)])
def test_the_time_takes_the_usual_formats(desk, ticket, support, duration, minutes):
    compose(desk, ticket, body="Done.", time=duration, activity_type=support.pk)
    assert TimeEntry.objects.get(ticket=ticket).minutes == minutes


def test_send_and_wait(desk, ticket, support):
    compose(desk, ticket, then=Status.WAIT, body="Try again?", time="10m", activity_type=support.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAIT
    assert TimeEntry.objects.filter(ticket=ticket).count() == 1


def test_an_internal_note_with_time_never_reaches_the_customer(
    desk, ticket, alice, support, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(
            desk,
            ticket,
            kind="note",
            body="Contract ends soon",
            time="20m",
            activity_type=support.pk,
        )
    assert "Your internal note is added." in response.content.decode()
    assert ticket.messages.get().internal
    assert TimeEntry.objects.get(ticket=ticket).minutes == 20
    assert mail_to(alice) == []
    page = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert "Contract ends soon" not in page.content.decode()


def test_an_internal_note_that_closes_sends_only_the_close(
    desk, ticket, alice, support, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        compose(
            desk,
            ticket,
            then=Status.CLOSED,
            kind="note",
            body="Secret cause",
            time="5m",
            activity_type=support.pk,
        )
    emails = mail_to(alice)
    assert len(emails) == 1 and "Secret cause" not in emails[0].body


@pytest.mark.parametrize("duration", ["abc", "25h", "0m"])
def test_a_refused_part_saves_nothing(desk, ticket, support, duration):
    before = ticket.status
    response = compose(
        desk, ticket, then=Status.CLOSED, body="Kept text", time=duration, activity_type=support.pk
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Type a duration such as" in page or "between 1 minute" in page
    assert "Kept text" in page  # the text is kept
    ticket.refresh_from_db()
    assert ticket.status == before
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_a_transition_refused_keeps_the_time_out_too(desk, ticket, support):
    ticket.status = Status.CLOSED
    ticket.save(update_fields=["status"])
    response = compose(
        desk, ticket, then=Status.WAIT, body="Kept text", time="1h", activity_type=support.pk
    )
    assert response.status_code == 400
    assert "cannot go from" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_a_stale_version_is_refused_and_saves_nothing(desk, ticket, support):
    response = compose(
        desk,
        ticket,
        version=ticket.version - 1 if ticket.version else ticket.version + 1,
        body="Late answer",
        time="1h",
        activity_type=support.pk,
    )
    assert response.status_code == 400
    assert "changed since you opened it" in response.content.decode()
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_time_alone_is_logged_without_text(desk, ticket, support):
    response = compose(desk, ticket, time="45m", activity_type=support.pk)
    assert "The time is logged." in response.content.decode()
    assert TimeEntry.objects.get(ticket=ticket).minutes == 45
    assert not Message.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("data", [{}, {"files": "file"}, {"time": "1h", "files": "file"}])
def test_no_text_and_no_time_or_files_alone_are_refused(desk, ticket, support, data):
    if "files" in data:
        data["files"] = [upload()]
    response = compose(desk, ticket, activity_type=support.pk, **data)
    assert response.status_code == 400
    assert "Write a message, or type the time spent" in response.content.decode()
    assert not TimeEntry.objects.filter(ticket=ticket).exists()


def test_time_alone_can_close(desk, ticket, support):
    compose(desk, ticket, then=Status.CLOSED, time="15m", activity_type=support.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert TimeEntry.objects.filter(ticket=ticket).count() == 1


@override_settings(ECMP_TIME_ON_CLOSE="require")
def test_require_refuses_to_close_without_time(desk, ticket):
    response = compose(desk, ticket, then=Status.CLOSED, body="Done")
    assert response.status_code == 400
    assert "Log the time spent on this ticket before closing it." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED
    assert not Message.objects.filter(ticket=ticket).exists()
    # The page's Close is refused the same way.
    response = desk.post(
        reverse("desk:ticket-close", args=[ticket.number]), {"version": ticket.version}, follow=True
    )
    assert "Log the time spent on this ticket before closing it." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED


@override_settings(ECMP_TIME_ON_CLOSE="require")
def test_require_closes_with_time_now_or_before(desk, ticket, support):
    compose(desk, ticket, then=Status.CLOSED, body="Done", time="5m", activity_type=support.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    other = make_ticket(ticket.requester, subject="Second")
    compose(desk, other, body="First look", time="5m", activity_type=support.pk)
    other.refresh_from_db()
    desk.post(reverse("desk:ticket-close", args=[other.number]), {"version": other.version})
    other.refresh_from_db()
    assert other.status == Status.CLOSED


@override_settings(ECMP_TIME_ON_CLOSE="warn")
def test_warn_closes_and_says_no_time_was_logged(desk, ticket, support):
    response = compose(desk, ticket, then=Status.CLOSED, body="Done")
    assert "No time was logged on this ticket." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    other = make_ticket(ticket.requester, subject="Second")
    response = compose(
        desk, other, then=Status.CLOSED, body="Done", time="5m", activity_type=support.pk
    )
    assert "No time was logged" not in response.content.decode()


@override_settings(ECMP_TIME_ON_CLOSE="off")
def test_off_says_nothing(desk, ticket):
    response = desk.post(
        reverse("desk:ticket-close", args=[ticket.number]), {"version": ticket.version}, follow=True
    )
    assert "No time was logged" not in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_the_default_is_warn(settings):
    assert settings.ECMP_TIME_ON_CLOSE == "warn"


def test_a_wrong_value_stops_the_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings

    monkeypatch.setenv("ECMP_TIME_ON_CLOSE", "sometimes")
    with pytest.raises(ImproperlyConfigured, match="ECMP_TIME_ON_CLOSE"):
        importlib.reload(config.settings)
    monkeypatch.delenv("ECMP_TIME_ON_CLOSE")
    importlib.reload(config.settings)


def test_the_activity_defaults_to_the_agents_last_one(desk, ticket, agnes):
    other = ActivityType.objects.create(name="Travel", billable_by_default=False)
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    first = ActivityType.objects.filter(active=True).order_by("-billable_by_default", "name")[0]
    assert f'<option value="{first.pk}" selected>' in page
    compose(desk, ticket, body="Drove there", time="1h", activity_type=other.pk)
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert f'<option value="{other.pk}" selected>' in page
    assert 'id="id_billable" checked' not in page  # Travel is not billable by default


def test_the_outsider_cannot_compose(client_for, carol, ticket, support):
    response = client_for(carol).post(
        reverse("desk:ticket-reply", args=[ticket.number]),
        {"body": "intrusion", "time": "1h", "activity_type": support.pk},
    )
    assert response.status_code in (302, 403, 404)
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not TimeEntry.objects.exists()
