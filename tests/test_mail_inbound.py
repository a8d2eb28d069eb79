"""Mail in: new tickets, replies, held mail, loops and noise, content. Nothing disappears."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ecmp.mail.inbound.pipeline import MessageRefused, inbound_store
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.mail.tasks import inbound_process
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket
from ecmp.tickets.status import Channel, Priority, Status
from tests.factories import make_ticket
from tests.mailtools import build_mail


def last_outgoing_id(address):
    email = OutboundEmail.objects.filter(to=[address]).order_by("-id").first()
    return email.message_id


def test_a_registered_user_opens_a_ticket_by_email(deliver, alice, agnes):
    raw = build_mail(
        subject="Urgent: VPN down",
        body="It stopped at 9.",
        headers={"X-Priority": "1 (Highest)", "Importance": "high"},
    )
    row = deliver(raw)
    assert row.status == InboundEmail.Status.PROCESSED and row.outcome == "ticket_created"
    ticket = row.ticket
    assert ticket.requester == alice and ticket.channel == Channel.EMAIL
    assert ticket.priority == Priority.NORMAL  # never taken from headers
    assert ticket.subject == "Urgent: VPN down" and "It stopped at 9." in ticket.description
    acknowledgement = [m for m in mail.outbox if m.to == [alice.email]]
    assert len(acknowledgement) == 1 and f"[#{ticket.number}]" in acknowledgement[0].subject
    assert any(m.to == [agnes.email] for m in mail.outbox)
    assert ticket.notifications.filter(recipient=agnes).exists()


def test_the_same_message_delivered_twice_is_processed_once(deliver, alice):
    raw = build_mail()
    first = deliver(raw)
    second = deliver(raw)
    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert inbound_process.call([first.pk]) == {}  # nothing left to do


def test_a_reply_to_our_email_is_a_reply_on_the_ticket(deliver, alice, agnes, run_on_commit):
    ticket = make_ticket(alice)
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=agnes, body="Which model?"))
    ours = last_outgoing_id(alice.email)
    raw = build_mail(
        subject="Re: whatever the client wrote",
        body=(
            "It is a LaserJet 4.\n\n"
            "On Mon, 1 Dec 2026, Support <support@ecmp.localhost> wrote:\n> Which model?\n"
        ),
        headers={"In-Reply-To": ours, "References": ours},
    )
    row = deliver(raw)
    assert row.outcome == "reply" and row.ticket == ticket
    message = ticket.messages.order_by("-id").first()
    assert message.author == alice and message.body == "It is a LaserJet 4."
    # The customer sees their own words; the untouched message stays for agents.
    assert not message.attachments.exists()
    assert row.reply == message and bytes(row.raw) == raw


def test_a_reply_on_a_closed_ticket_reopens_it(deliver, alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    deliver(build_mail(subject=f"Re: [#{ticket.number}] {ticket.subject}", body="Broken again"))
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW  # never accepted: back to the New queue
    assert ticket.events.filter(kind=EventKind.REOPENED).exists()


def test_a_reply_on_an_archived_ticket_opens_a_new_one_referring_to_it(deliver, alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    row = deliver(build_mail(subject=f"Re: [#{ticket.number}] old", body="Back again"))
    assert row.outcome == "ticket_created" and row.ticket.related_to == ticket


def test_the_plus_address_finds_the_ticket(deliver, alice):
    ticket = make_ticket(alice)
    row = deliver(build_mail(to=f"support+{ticket.number}@ecmp.localhost", subject="About it"))
    assert row.outcome == "reply" and row.ticket == ticket


def test_a_tag_from_someone_else_is_not_appended(deliver, alice, carol, bob):
    ticket = make_ticket(alice)
    for stranger in (carol, bob):
        row = deliver(
            build_mail(sender=stranger.email, subject=f"Re: [#{ticket.number}] let me in")
        )
        assert row.ticket != ticket and row.outcome == "ticket_created"
    assert ticket.messages.count() == 0


def test_a_forged_message_id_is_not_trusted(deliver, alice, carol):
    ticket = make_ticket(alice)
    forged = f"<ecmp.{ticket.number}.aaaaaaaaaaaa.0123456789abcdef@ecmp.localhost>"
    row = deliver(build_mail(sender=carol.email, headers={"In-Reply-To": forged}))
    assert row.ticket != ticket


def test_an_unknown_sender_is_held_and_may_be_answered(deliver, settings, db):
    row = deliver(build_mail(sender="stranger@nowhere.test"))
    assert row.status == InboundEmail.Status.HELD and row.reason == "unknown sender"
    assert mail.outbox == []
    settings.ECMP_MAIL_ANSWER_UNKNOWN_SENDERS = True
    deliver(build_mail(sender="stranger@nowhere.test", subject="Again"))
    assert [m.to for m in mail.outbox] == [["stranger@nowhere.test"]]
    assert "no account" in mail.outbox[0].body


def test_automatic_answers_to_a_sender_are_limited(deliver, settings, db):
    settings.ECMP_MAIL_ANSWER_UNKNOWN_SENDERS = True
    settings.ECMP_MAIL_SENDER_LIMIT = 3
    for n in range(6):
        deliver(build_mail(sender="loop@nowhere.test", subject=f"Message {n}"))
    assert len(mail.outbox) == 3
    assert InboundEmail.objects.filter(status=InboundEmail.Status.HELD).count() == 6


def test_new_tickets_per_sender_are_limited(deliver, alice, settings):
    settings.ECMP_MAIL_SENDER_LIMIT = 2
    outcomes = [deliver(build_mail(subject=f"Spam {n}")).status for n in range(4)]
    assert outcomes == ["processed", "processed", "held", "held"]
    assert Ticket.objects.count() == 2


def test_a_deactivated_sender_is_held(deliver, alice, acme):
    acme.active = False
    acme.save()
    row = deliver(build_mail())
    assert row.status == InboundEmail.Status.HELD and not Ticket.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "auto_reply"},
        {"X-Autoreply": "yes"},
        {"X-Autorespond": "Out of office"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_is_never_answered_and_changes_nothing(deliver, alice, agnes, headers):
    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    mail.outbox.clear()
    row = deliver(build_mail(subject=f"Out of office: [#{ticket.number}]", headers=headers))
    assert row.status == InboundEmail.Status.IGNORED
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.messages.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Precedence": "bulk"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<news.example.test>"},
    ],
)
def test_machine_looking_mail_is_not_ignored_but_never_answered(deliver, alice, headers):
    # Not RFC 3834 automatic: a client's monitoring may rightly open a ticket.
    row = deliver(build_mail(headers=headers))
    assert row.status != InboundEmail.Status.IGNORED
    assert not [m for m in mail.outbox if alice.email in m.to]


def test_auto_submitted_no_is_a_person(deliver, alice):
    assert deliver(build_mail(headers={"Auto-Submitted": "no"})).outcome == "ticket_created"


def bounce_report(returned_id=None):
    returned = (
        b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + f"Message-ID: {returned_id}\r\nTo: alice@acme.test\r\n\r\n".encode()
        if returned_id
        else b""
    )
    return (
        b"From: MAILER-DAEMON@mx.acme.test\r\nTo: support@ecmp.localhost\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.acme.test>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        b'boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n'
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n\r\n"
        b"Final-Recipient: rfc822; alice@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        + returned
        + b"--B--\r\n"
    )


def test_a_bounce_of_our_mail_marks_the_address_and_is_not_answered(
    deliver, alice, agnes, run_on_commit
):
    ticket = make_ticket(alice)
    run_on_commit(lambda: services.ticket_accept(ticket=ticket, actor=agnes))
    ours = last_outgoing_id(alice.email)
    mail.outbox.clear()
    row = deliver(bounce_report(ours))
    assert row.status == InboundEmail.Status.IGNORED and row.outcome == "bounce"
    alice.refresh_from_db()
    assert alice.email_bouncing_since is not None
    assert mail.outbox == []


def test_a_bounce_that_returns_no_mail_of_ours_marks_nobody(deliver, alice):
    for returned in (None, "<forged@elsewhere.test>"):
        row = deliver(bounce_report(returned).replace(b"<b1@", f"<b{returned}@".encode()))
        assert row.status == InboundEmail.Status.IGNORED and row.outcome == "bounce"
    alice.refresh_from_db()
    assert alice.email_bouncing_since is None


def test_mail_from_our_own_address_is_ignored(deliver, db):
    row = deliver(build_mail(sender="ECMP Support <support@ecmp.localhost>"))
    assert row.status == InboundEmail.Status.IGNORED and row.outcome == "own_address"


def test_html_only_mail_becomes_clean_text_and_keeps_the_original(deliver, alice):
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>Hello <b>team</b>,</p><p>See <a href='https://status.acme.test'>our status</a>.</p>"
        "<ul><li>one</li><li>two</li></ul></body></html>"
    )
    row = deliver(build_mail(body=None, html=html))
    description = row.ticket.description
    assert (
        "Hello team," in description and "alert" not in description and "color" not in description
    )
    assert "our status (https://status.acme.test)" in description
    assert "- one" in description
    assert not row.ticket.attachments.filter(original_name="original-message.eml").exists()
    kept = row.ticket.attachments.get(original_name="message.html").file.read().decode()
    assert "<b>team</b>" in kept and "script" not in kept


def test_a_too_big_attachment_is_dropped_with_a_note_the_rest_kept(deliver, alice, settings):
    settings.ECMP_ATTACHMENT_MAX_BYTES = 1000
    raw = build_mail(
        attachments=[
            ("small.txt", b"tiny", "text", "plain"),
            ("huge.bin", b"x" * 5000, "application", "octet-stream"),
            ("evil.exe", b"MZ\x90\x00program", "application", "octet-stream"),
        ]
    )
    row = deliver(raw)
    ticket = row.ticket
    assert list(ticket.attachments.values_list("original_name", flat=True)) == ["small.txt"]
    assert "“huge.bin” (4.9\xa0KB) was not added" in ticket.description
    assert "“evil.exe” was not added" in ticket.description
    refusal = [m for m in mail.outbox if "were not added" in m.subject]
    assert len(refusal) == 1 and refusal[0].to == [alice.email]


def test_charsets_encoded_words_and_rfc2231_file_names(deliver, alice):
    raw = (
        b"From: =?iso-8859-1?q?Alice_M=E9nard?= <alice@acme.test>\r\n"
        b"To: support@ecmp.localhost\r\nSubject: =?utf-8?b?w4ljcmFuIG5vaXIg4oCUIMOpdMOp?=\r\n"
        b"Message-ID: <cs1@client.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\n'
        b"Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"L=E9cran est noir =80 cause de l=92orage.\r\n--X\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''rapport%20d%C3%A9taill%C3%A9.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--X--\r\n"
    )
    ticket = deliver(raw).ticket
    assert ticket.subject == "Écran noir — été"
    assert "l\u2019orage" in ticket.description  # windows-1252's curly apostrophe
    assert "€" in ticket.description
    assert ticket.attachments.get().original_name == "rapport détaillé.pdf"


def test_a_processing_error_keeps_the_message_to_retry(deliver, alice, monkeypatch):
    from ecmp.mail.inbound import route

    def broken(row, batch=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(route, "inbound_route", broken)
    row = deliver(build_mail())
    assert row.status == InboundEmail.Status.FAILED and "database hiccup" in row.last_error
    monkeypatch.undo()
    assert inbound_process.call([row.pk]) == {"ticket_created": 1}


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"x" * 10])
def test_empty_or_oversized_mail_is_refused_at_the_door(raw, settings, db):
    settings.ECMP_INBOUND_MAX_BYTES = 5
    with pytest.raises(MessageRefused):
        inbound_store(raw, source="test")
    assert not InboundEmail.objects.exists()


def test_held_mail_can_become_a_ticket_be_attached_or_discarded(deliver, client_for, agnes, alice):
    held = [deliver(build_mail(sender=f"x{n}@nowhere.test", subject=f"Held {n}")) for n in range(3)]
    desk = client_for(agnes)
    page = desk.get(reverse("desk:mail")).content.decode()
    assert all(f"Held {n}" in page for n in range(3))

    response = desk.post(
        reverse("desk:mail-held-ticket", args=[held[0].pk]), {"requester": "ALICE@acme.test"}
    )
    ticket = Ticket.objects.get(requester=alice)
    assert response.url == reverse("desk:ticket-detail", args=[ticket.number])

    desk.post(reverse("desk:mail-held-attach", args=[held[1].pk]), {"number": ticket.number})
    note = ticket.messages.get(internal=True)
    assert "x1@nowhere.test" in note.body

    desk.post(reverse("desk:mail-held-discard", args=[held[2].pk]))
    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == ["discarded", "processed", "processed"]
    # Handled once: a second action on the same message is refused.
    desk.post(reverse("desk:mail-held-discard", args=[held[0].pk]))
    held[0].refresh_from_db()
    assert held[0].status == "processed"


@pytest.mark.parametrize("typed", ["99999", "x", "", "0"])
def test_held_mail_added_to_a_ticket_that_does_not_exist_stays_held(
    typed, deliver, client_for, agnes
):
    row = deliver(build_mail(sender="x@nowhere.test", subject="Held"))
    url = reverse("desk:mail-held-attach", args=[row.pk])
    response = client_for(agnes).post(url, {"number": typed}, follow=True)
    number = typed if typed.isdigit() and typed != "0" else ""
    assert f"There is no ticket {number}." in response.content.decode()
    row.refresh_from_db()
    assert row.status == "held" and not Ticket.objects.exists()


def test_customers_cannot_reach_the_mail_pages(client_for, alice, deliver):
    row = deliver(build_mail(sender="x@nowhere.test"))
    client = client_for(alice)
    assert client.get(reverse("desk:mail")).status_code == 403
    assert client.post(reverse("desk:mail-held-discard", args=[row.pk])).status_code == 403


def test_an_agent_replying_by_email_answers_the_customer(deliver, alice, agnes, run_on_commit):
    ticket = run_on_commit(lambda: make_ticket(alice))
    ours = last_outgoing_id(agnes.email)
    mail.outbox.clear()
    row = deliver(build_mail(sender=agnes.email, body="On our way", headers={"In-Reply-To": ours}))
    assert row.outcome == "reply"
    assert ticket.messages.get().author == agnes
    assert any(m.to == [alice.email] and "On our way" in m.body for m in mail.outbox)


def test_the_retry_window_of_received_mail(deliver, alice):
    """A message whose task was lost is picked up by the sweep."""
    from ecmp.mail.tasks import inbound_sweep

    row, _ = inbound_store(build_mail(), source="test")  # on_commit never ran: task lost
    InboundEmail.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert inbound_sweep.call() == 1
    row.refresh_from_db()
    assert row.status == InboundEmail.Status.PROCESSED


def test_a_message_id_with_a_nul_byte_is_not_used(deliver, alice):
    """Found by the fuzzer on PostgreSQL, which refuses NUL in text."""
    raw = build_mail(message_id="<abc@x.test>").replace(b"<abc@x.test>", b"<ab\x00c@x.test>")
    row = deliver(raw)
    assert row.dedupe_key.startswith("sha256:") and row.message_id == ""
    assert row.status == InboundEmail.Status.PROCESSED
