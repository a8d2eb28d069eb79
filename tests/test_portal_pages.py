"""The Service desk pages as a customer uses them (SPEC section 4)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ecmp.tickets import services
from ecmp.tickets.models import Attachment, Ticket
from ecmp.tickets.status import Priority, Status
from tests.factories import make_ticket, upload

LIST = reverse("portal:service-desk")
NEW = reverse("portal:ticket-new")


def stored_files():
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def new_ticket_data(**overrides):
    data = {"subject": "Printer on fire", "description": "Smoke everywhere", "priority": 2}
    data.update(overrides)
    return data


def test_the_lists_hold_what_the_manual_says(client_for, alice, agnes):
    new = make_ticket(alice, subject="Still new")
    waiting = make_ticket(alice, subject="Being worked on")
    services.ticket_transition(ticket=waiting, actor=agnes, status=Status.WAIT)
    closed = make_ticket(alice, subject="All done")
    services.ticket_transition(ticket=closed, actor=agnes, status=Status.CLOSED)
    archived = make_ticket(alice, subject="Long ago")
    services.ticket_transition(ticket=archived, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    client = client_for(alice)

    def shown(which):
        html = client.get(LIST, {"list": which}).content.decode()
        return {t.subject for t in (new, waiting, closed, archived) if t.subject in html}

    assert shown("open") == {"Still new", "Being worked on"}
    assert shown("recent") == {"All done"}
    assert shown("archive") == {"Long ago"}


def test_an_empty_list_says_there_are_no_records(client_for, alice):
    html = client_for(alice).get(LIST).content.decode()
    assert "There are no records to show" in html
    assert "Open Tickets" in html and "Recent Tickets" in html and "Archive Tickets" in html
    assert "New Ticket" in html


def test_search_by_number_or_subject(client_for, alice):
    make_ticket(alice, subject="Printer jam")
    second = make_ticket(alice, subject="Email bounce")
    client = client_for(alice)
    html = client.get(LIST, {"q": "printer"}).content.decode()
    assert "Printer jam" in html and "Email bounce" not in html
    html = client.get(LIST, {"q": str(second.number)}).content.decode()
    assert "Email bounce" in html and "Printer jam" not in html


def test_sorting_and_pagination_happen_in_the_database(client_for, alice):
    for n in range(settings.ECMP_LIST_PAGE_SIZE + 3):
        make_ticket(alice, subject=f"Ticket number {n:02d}")
    client = client_for(alice)
    first_page = client.get(LIST, {"sort": "number"}).content.decode()
    assert "Ticket number 00" in first_page and "Ticket number 27" not in first_page
    second_page = client.get(LIST, {"sort": "number", "page": 2}).content.decode()
    assert "Ticket number 27" in second_page
    reversed_page = client.get(LIST, {"sort": "-number"}).content.decode()
    assert reversed_page.index("Ticket number 27") < reversed_page.index("Ticket number 26")
    # Nonsense parameters fall back to the defaults instead of failing.
    assert client.get(LIST, {"sort": "password", "page": "x", "list": "evil"}).status_code == 200


def test_the_htmx_search_returns_the_list_alone(client_for, alice):
    make_ticket(alice, subject="Printer jam")
    response = client_for(alice).get(
        LIST, {"q": "jam"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket-list"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-list">')
    assert "Printer jam" in html and "<html" not in html


def test_new_ticket_opens_its_page(client_for, alice):
    response = client_for(alice).post(
        NEW, new_ticket_data(files=[upload("screen.png"), upload("app.log", b"ERROR 42\n")])
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket-detail", args=[ticket.number])
    assert ticket.number == 1001 and ticket.status == Status.NEW
    assert sorted(ticket.attachments.values_list("original_name", "content_type")) == [
        ("app.log", "text/plain"),
        ("screen.png", "image/png"),
    ]
    page = client_for(alice).get(response.url).content.decode()
    assert "1001 — Printer on fire" in page
    assert "Ticket created" in page and "Alice Martin" in page
    assert "screen.png" in page


def test_the_side_panel_is_a_fragment_and_redirects_with_htmx(client_for, alice):
    client = client_for(alice)
    panel = client.get(NEW, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in panel
    for label in ("Subject", "Description", "Attach File", "Priority", ">Ok<"):
        assert label in panel
    response = client.post(NEW, new_ticket_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("portal:ticket-detail", args=[1001])


def test_without_javascript_new_ticket_is_a_page(client_for, alice):
    html = client_for(alice).get(NEW).content.decode()
    assert "<html" in html and "Drop to add files or click here." in html


@pytest.mark.parametrize(
    "data",
    [
        {"subject": ""},
        {"subject": "   "},
        {"description": ""},
        {"subject": "x" * 201},
        {"priority": 9},
        {"priority": "urgent"},
    ],
)
def test_invalid_input_saves_nothing(client_for, alice, data):
    response = client_for(alice).post(NEW, new_ticket_data(files=[upload()], **data))
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == []


@override_settings(ECMP_ATTACHMENT_MAX_BYTES=1000)
def test_a_file_too_big_is_refused_with_a_message_and_nothing_saved(client_for, alice):
    response = client_for(alice).post(
        NEW, new_ticket_data(files=[upload("small.png"), upload("huge.bin", b"x" * 1001)])
    )
    html = response.content.decode()
    assert "is too big" in html and "huge.bin" in html
    assert not Ticket.objects.exists() and stored_files() == []


@override_settings(ECMP_TICKET_ATTACHMENTS_MAX_BYTES=1500)
def test_the_total_per_ticket_is_limited(client_for, alice):
    files = [upload("a.txt", b"a" * 800), upload("b.txt", b"b" * 800)]
    html = client_for(alice).post(NEW, new_ticket_data(files=files)).content.decode()
    assert "may not exceed" in html
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00rest"),
        ("invoice.pdf.exe", b"%PDF-1.4"),
        ("photo.jpg", b"MZ\x90\x00disguised program"),
        ("run.sh", b"echo hi"),
        ("tool", b"\x7fELF\x02\x01\x01"),
        ("macro.vbs", b"MsgBox 1"),
    ],
)
def test_programs_are_refused_whatever_their_name(client_for, alice, name, content):
    html = client_for(alice).post(NEW, new_ticket_data(files=[upload(name, content)]))
    assert "not accepted" in html.content.decode()
    assert not Ticket.objects.exists() and stored_files() == []


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_hostile_html_renders_inert_everywhere(client_for, alice, agnes):
    client = client_for(alice)
    client.post(
        NEW,
        new_ticket_data(
            subject=XSS, description=XSS + " javascript:alert(1)", files=[upload(XSS + ".png")]
        ),
    )
    ticket = Ticket.objects.get()
    services.ticket_reply(ticket=ticket, author=agnes, body=XSS)
    for url in (
        reverse("portal:ticket-detail", args=[ticket.number]),
        LIST,
        reverse("portal:dashboard"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert 'href="javascript:' not in html, url
    attachment = ticket.attachments.get()
    assert "/" not in attachment.original_name
    download = client.get(
        reverse("portal:attachment-download", args=[ticket.number, attachment.pk])
    )
    # A real PNG is shown inline, but only ever as an image (tests/test_uploads_denylist.py).
    assert download["Content-Type"] == "image/png"
    assert (
        download["Content-Security-Policy"]
        == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    assert download["X-Content-Type-Options"] == "nosniff"


def test_links_are_clickable_and_line_breaks_kept(client_for, alice):
    ticket = make_ticket(alice, description="Line one\nSee https://example.test/doc")
    html = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number])).content
    html = html.decode()
    assert 'href="https://example.test/doc"' in html
    assert "Line one<br>" in html


def test_the_priority_is_locked_to_normal_on_the_form_and_the_server(client_for, alice, acme):
    acme.priority_locked = True
    acme.save()
    client = client_for(alice)
    html = client.get(NEW).content.decode()
    assert "all have Normal priority" in html and "disabled" in html
    client.post(NEW, new_ticket_data(priority=Priority.URGENT))
    assert Ticket.objects.get().priority == Priority.NORMAL


def test_the_ticket_page_has_the_manuals_words(client_for, alice):
    ticket = make_ticket(alice)
    html = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number])).content
    html = html.decode()
    for words in (
        "Reply",
        "Close",
        "Add additional information to this ticket",
        "Drop to add files or click here.",
        "Cancel",
        "Send",
        f"{ticket.number} — Le logiciel XYZ ne s&#39;ouvre plus",
    ):
        assert words in html, words


def test_tabs_open_with_the_ticket_and_close_with_the_cross(client_for, alice):
    first, second = make_ticket(alice, subject="First one"), make_ticket(alice, subject="Second")
    client = client_for(alice)
    client.get(reverse("portal:ticket-detail", args=[first.number]))
    html = client.get(reverse("portal:ticket-detail", args=[second.number])).content.decode()
    assert f"{first.number} First one" in html
    response = client.post(reverse("portal:ticket-tab-close", args=[first.number]))
    assert response.url == LIST
    html = client.get(LIST).content.decode()
    assert f"{first.number} First one" not in html and f"{second.number} Second" in html


def test_viewing_the_same_ticket_again_writes_no_session(client_for, alice):
    """A page view is a read: the session is written only when the tabs change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = make_ticket(alice, subject="First one"), make_ticket(alice, subject="Second")
    client = client_for(alice)

    def session_writes(ticket):
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("portal:ticket-detail", args=[ticket.number]))
        return [
            q["sql"] for q in captured if "django_session" in q["sql"] and "SELECT" not in q["sql"]
        ]

    assert session_writes(first)  # a new tab
    assert session_writes(first) == []
    assert session_writes(second)  # another tab
    assert session_writes(first)  # the first one comes to the end
    html = client.get(LIST).content.decode()
    assert html.index(f"{second.number} Second") < html.index(f"{first.number} First one")


def test_a_reply_with_files_appears_in_the_thread(client_for, alice):
    ticket = make_ticket(alice)
    client = client_for(alice)
    url = reverse("portal:ticket-reply", args=[ticket.number])
    response = client.post(url, {"body": "Here is the log", "files": [upload("more.log", b"x")]})
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "Here is the log" in html and "more.log" in html


def test_an_empty_reply_is_refused(client_for, alice):
    ticket = make_ticket(alice)
    response = client_for(alice).post(
        reverse("portal:ticket-reply", args=[ticket.number]), {"body": "   "}
    )
    assert response.status_code == 400
    assert ticket.messages.count() == 0


def test_closing_asks_first_then_writing_reopens(client_for, alice):
    ticket = make_ticket(alice)
    client = client_for(alice)
    close = reverse("portal:ticket-close", args=[ticket.number])
    confirm = client.get(close).content.decode()
    assert "Close the ticket" in confirm
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    client.post(close)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert "All done" not in client.get(LIST).content.decode()
    recent = client.get(LIST, {"list": "recent"}).content.decode()
    assert ticket.subject.replace("'", "&#39;") in recent
    client.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "Not fixed"})
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # never accepted: back to the New queue
    html = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "Reopened" in html


def test_an_archived_ticket_is_read_only_with_a_follow_up_button(client_for, alice):
    ticket = make_ticket(alice)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now(), status=Status.CLOSED)
    client = client_for(alice)
    html = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "Open a new ticket about this" in html
    assert "Add additional information" not in html
    response = client.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "hey"})
    assert response.status_code == 400
    assert ticket.messages.count() == 0
    follow = client.get(NEW, {"related": ticket.number}).content.decode()
    assert f"follows up ticket {ticket.number}" in follow
    client.post(NEW, new_ticket_data(related=ticket.number))
    assert Ticket.objects.get(related_to=ticket).requester == alice


def test_french_labels(client_for, alice):
    alice.language = "fr"
    alice.save()
    ticket = make_ticket(alice)
    client = client_for(alice)
    html = client.get(LIST).content.decode()
    for words in ("Tickets ouverts", "Tickets récents", "Tickets archivés", "Nouveau ticket"):
        assert words in html, words
    assert "Nouveau" in html
    page = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    for words in ("Répondre", "Fermer", "Envoyer", "Annuler", "Ticket créé"):
        assert words in page, words
    services.ticket_transition(ticket=ticket, actor=alice, status=Status.CLOSED)
    assert "Fermé" in client.get(LIST, {"list": "recent"}).content.decode()
