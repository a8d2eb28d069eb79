"""Pages cost the same number of queries whatever the number of rows (no N+1)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.tickets import services
from ecmp.tickets.status import Status
from tests.factories import make_ticket, upload


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_ticket_lists_do_not_grow_with_tickets(client_for, alice, agnes):
    client = client_for(alice)
    make_ticket(alice)
    services.ticket_transition(ticket=make_ticket(alice), actor=agnes, status=Status.CLOSED)
    urls = [reverse("portal:service-desk") + f"?list={w}" for w in ("open", "recent")]
    urls.append(reverse("portal:dashboard"))
    # A process's first view of a list compiles its statements (core/prepared.py),
    # which may read once (the stand-in's followed tickets): counted after it.
    for url in urls:
        queries_for(client, url)
    few = [queries_for(client, url) for url in urls]
    for n in range(12):
        ticket = make_ticket(alice, subject=f"More {n}")
        services.ticket_reply(ticket=ticket, author=agnes, body="answer")
        if n % 2:
            services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    many = [queries_for(client, url) for url in urls]
    assert many == few


def test_the_ticket_page_does_not_grow_with_messages(client_for, alice, agnes):
    ticket = make_ticket(alice, files=[upload()])
    client = client_for(alice)
    url = reverse("portal:ticket-detail", args=[ticket.number])
    services.ticket_reply(ticket=ticket, author=agnes, body="first", files=[upload("a.png")])
    client.get(url)  # the first view opens the ticket's tab (a session write); not the later ones
    few = queries_for(client, url)
    for n in range(10):
        services.ticket_reply(
            ticket=ticket, author=alice if n % 2 else agnes, body=f"msg {n}", files=[upload()]
        )
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.WAIT)
    assert queries_for(client, url) == few


def test_the_notifications_page_does_not_grow(
    client_for, alice, agnes, django_capture_on_commit_callbacks
):
    ticket = make_ticket(alice)
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, author=agnes, body="one")
    few = queries_for(client, reverse("portal:notifications"))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            services.ticket_reply(ticket=ticket, author=agnes, body=f"more {n}")
    assert queries_for(client, reverse("portal:notifications")) == few


def test_the_desk_ticket_page_does_not_grow_with_mailed_messages(
    client_for, alice, agnes, django_capture_on_commit_callbacks
):
    from ecmp.mail.inbound.pipeline import inbound_store
    from tests.mailtools import build_mail

    def mailed(body):
        with django_capture_on_commit_callbacks(execute=True):
            inbound_store(build_mail(subject=f"[#{ticket.number}] x", body=body), source="test")

    ticket = make_ticket(alice)
    client = client_for(agnes)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    mailed("first")
    client.get(url)  # marks the agent's notifications viewed: later views write nothing
    few = queries_for(client, url)
    for n in range(6):
        mailed(f"more {n}")
    page = client.get(url).content.decode()
    assert page.count("Sender not verified") == 7  # each mailed message is marked
    assert queries_for(client, url) == few
