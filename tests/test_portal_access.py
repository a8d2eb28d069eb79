"""Who sees what: a customer sees only their own tickets; anything else is a 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.urls import reverse

from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.models import Attachment, Message, TicketEvent
from ecmp.tickets.status import Status
from tests.factories import UserFactory, make_ticket, upload


@pytest.fixture
def ticket(alice, agnes, django_capture_on_commit_callbacks):
    ticket = make_ticket(alice, subject="Alice's secret printer", files=[upload("log.txt", b"hi")])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=agnes, body="On it")
    return ticket


def snapshot(ticket):
    ticket.refresh_from_db()
    return (
        ticket.status,
        Message.objects.count(),
        TicketEvent.objects.count(),
        Attachment.objects.count(),
        list(Notification.objects.values_list("read_at", flat=True)),
    )


def urls(ticket):
    attachment = ticket.attachments.get()
    notification = Notification.objects.get()
    n = ticket.number
    return {
        "page": ("get", reverse("portal:ticket-detail", args=[n]), {}),
        "close-confirm": ("get", reverse("portal:ticket-close", args=[n]), {}),
        "reply": ("post", reverse("portal:ticket-reply", args=[n]), {"body": "intrusion"}),
        "close": ("post", reverse("portal:ticket-close", args=[n]), {}),
        "download": (
            "get",
            reverse("portal:attachment-download", args=[n, attachment.pk]),
            {},
        ),
        "follow-up": ("get", reverse("portal:ticket-new") + f"?related={n}", {}),
        "notification-viewed": (
            "post",
            reverse("portal:notification-mark-viewed", args=[notification.pk]),
            {},
        ),
        "notification-open": (
            "post",
            reverse("portal:notification-open", args=[notification.pk]),
            {},
        ),
    }


@pytest.mark.parametrize("outsider", ["bob", "carol"])
def test_outsiders_get_404_everywhere_and_nothing_changes(ticket, client_for, outsider, request):
    client = client_for(request.getfixturevalue(outsider))
    before, sent = snapshot(ticket), len(mail.outbox)
    for name, (method, url, data) in urls(ticket).items():
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, name
    assert snapshot(ticket) == before
    assert len(mail.outbox) == sent


@pytest.mark.parametrize("outsider", ["bob", "carol"])
def test_outsiders_do_not_see_it_in_any_list_or_search(ticket, client_for, outsider, request):
    client = client_for(request.getfixturevalue(outsider))
    for which in ("open", "recent", "archive"):
        html = client.get(reverse("portal:service-desk"), {"list": which, "q": ticket.number})
        assert "Alice&#39;s secret printer" not in html.content.decode()
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "secret printer" not in dashboard


def test_the_requester_sees_everything(ticket, client_for, alice):
    client = client_for(alice)
    for name, (method, url, data) in urls(ticket).items():
        if method == "get":
            assert getattr(client, method)(url, data).status_code == 200, name


def test_an_agent_sees_the_ticket(ticket, client_for, agnes):
    client = client_for(agnes)
    assert client.get(reverse("portal:ticket-detail", args=[ticket.number])).status_code == 200


def test_strangers_are_sent_to_sign_in(ticket, client):
    for method, url, data in urls(ticket).values():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(reverse("portal:service-desk")).status_code == 302


def test_a_manager_sees_colleagues_tickets_only_with_the_option(
    ticket, bob, alice, acme, client_for
):
    bobs = make_ticket(bob, subject="Bob's keyboard")
    url = reverse("portal:ticket-detail", args=[bobs.number])
    assert client_for(alice).get(url).status_code == 404
    acme.managers_see_all_tickets = True
    acme.save()
    assert client_for(alice).get(url).status_code == 200
    listing = client_for(alice).get(reverse("portal:service-desk")).content.decode()
    assert "Bob&#39;s keyboard" in listing
    # Never the other way round: Bob is not a manager.
    own = reverse("portal:ticket-detail", args=[ticket.number])
    assert client_for(bob).get(own).status_code == 404


def test_someone_elses_notification_cannot_be_marked(ticket, client_for, carol):
    notification = Notification.objects.get()
    response = client_for(carol).post(reverse("portal:notifications-mark-all-viewed"))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_internal_notes_and_their_files_never_reach_the_customer(ticket, client_for, alice, agnes):
    services.ticket_reply(
        ticket=ticket,
        author=agnes,
        body="INTERNAL: customer owes us money",
        internal=True,
        files=[upload("internal-report.txt", b"secret numbers")],
    )
    note_file = Attachment.objects.get(original_name="internal-report.txt")
    client = client_for(alice)
    page = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "customer owes us money" not in page
    assert "internal-report.txt" not in page
    assert "Internal note" not in page
    download = reverse("portal:attachment-download", args=[ticket.number, note_file.pk])
    assert client.get(download).status_code == 404
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "Internal note" not in dashboard
    notifications = client.get(reverse("portal:notifications")).content.decode()
    assert "Internal note" not in notifications


def test_a_ticket_number_that_is_not_a_number_is_404(client_for, alice):
    assert client_for(alice).get("/portal/tickets/99999999999999999999/").status_code == 404


def test_closing_works_for_the_requester(ticket, client_for, alice):
    response = client_for(alice).post(reverse("portal:ticket-close", args=[ticket.number]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.parametrize("managers_see_all", [True, False])
def test_the_one_ticket_check_agrees_with_the_list_rule(
    alice, bob, carol, agnes, managers_see_all, django_assert_max_num_queries
):
    """`ticket_visible_to` answers its plain cases without a query: it must agree
    with `tickets_visible_to` for everyone."""
    from ecmp.tickets.selectors import ticket_visible_to, tickets_visible_to

    alice.organization.managers_see_all_tickets = managers_see_all
    alice.organization.save()
    retired = UserFactory(email="old@acme.test", organization=alice.organization)
    retired.is_active = False
    retired.save()
    tickets = [make_ticket(alice, subject="Alice's"), make_ticket(bob, subject="Bob's")]
    for user in (alice, bob, carol, agnes, retired, AnonymousUser()):
        for ticket in tickets:
            expected = tickets_visible_to(user).filter(pk=ticket.pk).exists()
            assert ticket_visible_to(user, ticket) == expected, (user, ticket.subject)
    with django_assert_max_num_queries(0):
        assert ticket_visible_to(alice, tickets[0]) and ticket_visible_to(agnes, tickets[1])
