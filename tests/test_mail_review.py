"""Hostile and odd mail found in review: each ends somewhere known, nothing leaks."""

import smtplib

import pytest
from django.core import mail
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from ecmp.mail.inbound.parse import MAX_HTML, parse_message
from ecmp.mail.inbound.quotes import MAX_SCAN, strip_quotes
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
from ecmp.tickets.status import Status
from tests.factories import make_ticket, upload
from tests.mailtools import build_mail, free_port


def test_huge_text_and_html_are_bounded_before_the_costly_steps():
    assert strip_quotes("##-a" * (MAX_SCAN // 4 + 1)) == ("##-a" * (MAX_SCAN // 4 + 1), False)
    raw = build_mail(body=None, html="<a" * 400_000)
    assert len(parse_message(raw).html) <= MAX_HTML * 2


def test_mail_nested_thousands_deep_is_kept_readable(deliver, alice, client_for, agnes):
    depth = 3000
    parts = "".join(
        f'--b{n}\r\nContent-Type: multipart/mixed; boundary="b{n + 1}"\r\n\r\n'
        for n in range(depth)
    )
    raw = (
        "From: stranger@nowhere.test\r\nTo: support@ecmp.localhost\r\nSubject: Deep\r\n"
        'Message-ID: <deep@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n'
        + parts
        + "hello\r\n"
    ).encode()
    row = deliver(raw)
    assert row.status == InboundEmail.Status.HELD
    assert client_for(agnes).get(reverse("desk:mail-inbound", args=[row.pk])).status_code == 200


def test_an_agents_mail_to_an_archived_ticket_is_held(deliver, alice, agnes, settings):
    settings.ECMP_MAIL_VERIFY = "off"  # proven or not, it is held for being archived
    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    row = deliver(build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"))
    assert row.status == InboundEmail.Status.HELD and "archived" in row.reason


def test_the_ticket_total_counts_files_already_there(deliver, alice, settings):
    settings.ECMP_TICKET_ATTACHMENTS_MAX_BYTES = 1500
    ticket = make_ticket(alice, files=[upload("first.txt", b"x" * 900)])
    row = deliver(
        build_mail(
            subject=f"[#{ticket.number}] more",
            attachments=[("second.txt", b"y" * 900, "text", "plain")],
        )
    )
    assert row.status == InboundEmail.Status.PROCESSED
    assert "“second.txt” was not added" in ticket.messages.get().body


def test_a_read_receipt_does_not_reopen_a_ticket(deliver, alice, agnes):
    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    raw = (
        f"From: alice@acme.test\r\nTo: support@ecmp.localhost\r\nSubject: Read: [#{ticket.number}] x\r\n"
        "Message-ID: <mdn@x>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
        "--R\r\nContent-Type: message/disposition-notification\r\n\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n--R--\r\n"
    ).encode()
    assert deliver(raw).status == InboundEmail.Status.IGNORED
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.django_db(transaction=True)
def test_the_listener_keeps_the_envelope_sender_so_bounces_are_seen(alice, agnes):
    from ecmp.mail.management.commands.mail_listener import make_controller
    from ecmp.mail.tasks import inbound_process

    ticket = make_ticket(alice)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                "", ["support@ecmp.localhost"], build_mail(subject=f"Away: [#{ticket.number}]")
            )
    finally:
        controller.stop()
        connections.close_all()
    row = InboundEmail.objects.get()
    inbound_process.call([row.pk])
    row.refresh_from_db()
    assert row.status == InboundEmail.Status.IGNORED
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.django_db(transaction=True)
def test_lmtp_takes_one_recipient_per_message():
    from ecmp.mail.management.commands.mail_listener import make_controller

    port = free_port()
    controller = make_controller("127.0.0.1", port, lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.ehlo()
            client.mail("a@b.test")
            assert client.rcpt("support@ecmp.localhost")[0] == 250
            assert client.rcpt("support+1@ecmp.localhost")[0] == 452
    finally:
        controller.stop()
        connections.close_all()


def test_third_party_message_ids_never_reach_the_customer(
    deliver, alice, agnes, client_for, run_on_commit
):
    ticket = make_ticket(alice)
    held = deliver(build_mail(sender="mole@competitor.test", message_id="<x1@mx.competitor.test>"))
    client_for(agnes).post(
        reverse("desk:mail-held-attach", args=[held.pk]), {"number": ticket.number}
    )
    mail.outbox.clear()
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=agnes, body="Hello"))
    (message,) = [m for m in mail.outbox if m.to == [alice.email]]
    headers = " ".join(str(v) for v in message.extra_headers.values())
    assert "competitor" not in headers


def test_an_empty_text_part_does_not_hide_the_html(deliver, alice):
    row = deliver(build_mail(body="", html="<p>The basement is <b>flooded</b>, call me.</p>"))
    assert "The basement is flooded, call me." in row.ticket.description


def test_a_reused_message_id_does_not_swallow_another_message(deliver, alice, bob):
    first = deliver(build_mail(sender=alice.email, body="Mine", message_id="<same@x>"))
    second = deliver(build_mail(sender=bob.email, body="Other", message_id="<same@x>"))
    assert first.pk != second.pk and second.ticket.requester == bob


def test_a_nul_in_a_bounce_report_is_harmless(deliver, alice):
    raw = (
        b"From: MAILER-DAEMON@mx.test\r\nTo: support@ecmp.localhost\r\nSubject: failure\r\n"
        b'Message-ID: <nb@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Final-Recipient: rfc822; alice@acme.test\x00x\r\nAction: failed\r\n--B--\r\n"
    )
    assert deliver(raw).status == InboundEmail.Status.IGNORED


def test_another_ecmps_thread_cannot_reach_our_ticket_by_its_tag(deliver, alice):
    ticket = make_ticket(alice)
    foreign = f"<ecmp.{ticket.number}.aaaaaaaaaaaa.0123456789abcdef@other-desk.test>"
    row = deliver(
        build_mail(subject=f"Re: [#{ticket.number}] theirs", headers={"References": foreign})
    )
    assert row.ticket != ticket and ticket.messages.count() == 0


def test_a_known_but_deactivated_sender_is_answered_in_their_language(deliver, alice, settings):
    settings.ECMP_MAIL_ANSWER_UNKNOWN_SENDERS = True
    alice.language, alice.is_active = "fr", False
    alice.save()
    deliver(build_mail())
    (answer,) = mail.outbox
    assert "aucun ticket" in answer.body
    assert OutboundEmail.objects.get().kind == "unknown_sender"


def test_a_nul_in_a_charset_name_falls_back_instead_of_failing():
    """Found by the corpus fuzzing: codecs.lookup raises ValueError, not LookupError."""
    from ecmp.mail.inbound.parse import parse_message

    raw = (
        b"From: a@b.test\r\nTo: support@ecmp.localhost\r\nSubject: x\r\n"
        b'Content-Type: text/plain; charset="utf\x00-8"\r\n\r\nCaf\xe9 ok\r\n'
    )
    assert "Caf" in parse_message(raw).text
