"""Mail you can trust, its limits: strangers' held mail under quotas, bounces that flag
only our own recipients, no ticket mail to deactivated people, the agents' notice."""

import smtplib
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from ecmp.mail import tasks
from ecmp.mail.ids import make_message_id
from ecmp.mail.inbound.bounces import bounced_addresses
from ecmp.mail.inbound.parse import parse_message
from ecmp.mail.inbound.pipeline import (
    HeldMailFull,
    MessageRefused,
    SenderOverQuota,
    inbound_store,
)
from ecmp.mail.models import InboundEmail, OutboundEmail
from ecmp.tickets import services
from tests.factories import make_ticket
from tests.helpers import plan_of_sql
from tests.mailtools import build_mail, free_port
from tests.test_mail_gateways import file_database, mailgate  # noqa: F401 (a fixture)

KB = 1024


def store(raw, **kwargs):
    return inbound_store(raw, source="test", **kwargs)


def stranger_mail(sender="x@nowhere.test", size=KB, n=0):
    return build_mail(sender=sender, subject=f"Offer {n}", body=("x" * 63 + "\n") * (size // 64))


@pytest.fixture
def quotas(settings):
    """Small quotas: 10 KB for all strangers' mail, 4 KB per stranger."""
    settings.ECMP_MAIL_HELD_MAX_BYTES = 10 * KB
    settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES = 4 * KB
    return settings


# --- Held-mail quotas at the door ------------------------------------------------------


def test_a_strangers_mail_is_marked_and_counted(db, quotas):
    row, _ = store(stranger_mail())
    assert row.in_held_quota and row.sender == "x@nowhere.test" and row.size > KB


def test_a_sender_over_their_own_quota_is_refused_for_good_and_nothing_is_written(db, quotas):
    for n in range(3):
        store(stranger_mail(n=n))  # about 1.3 KB each: 3 fit in 4 KB
    before = InboundEmail.objects.count()
    with pytest.raises(SenderOverQuota) as refused:
        store(stranger_mail(n=3))
    assert refused.value.temporary is False and isinstance(refused.value, MessageRefused)
    assert InboundEmail.objects.count() == before
    # Somebody else still has room.
    assert store(stranger_mail(sender="y@nowhere.test"))[1]


def test_strangers_mail_over_the_total_is_refused_for_now_and_nothing_is_written(db, quotas):
    for n in range(7):  # seven senders, about 1.3 KB each: over 9 KB
        store(stranger_mail(sender=f"s{n}@nowhere.test", n=n))
    before = InboundEmail.objects.count()
    with pytest.raises(HeldMailFull) as refused:
        store(stranger_mail(sender="late@nowhere.test"))
    assert refused.value.temporary is True
    assert InboundEmail.objects.count() == before


def test_registered_users_mail_is_never_refused_by_the_quotas(db, quotas, alice):
    quotas.ECMP_MAIL_HELD_MAX_BYTES = 0
    quotas.ECMP_MAIL_HELD_SENDER_MAX_BYTES = 0
    row, created = store(
        build_mail(sender="Alice Martin <ALICE@acme.test>", body=("x" * 63 + "\n") * 128)
    )
    assert created and not row.in_held_quota and row.sender == "alice@acme.test"


def test_a_deactivated_users_mail_counts_as_a_strangers(db, quotas, alice):
    alice.is_active = False
    alice.save()
    quotas.ECMP_MAIL_HELD_MAX_BYTES = 0
    with pytest.raises(HeldMailFull):
        store(build_mail(sender=alice.email))


@pytest.mark.parametrize(
    ("from_header", "sender"),
    [
        ('"alice@acme.test" <mallory@evil.test>', "mallory@evil.test"),
        ("=?utf-8?q?=3Calice=40acme.test=3E?= <mallory@evil.test>", "mallory@evil.test"),
        ("<alice@acme.test> <mallory@evil.test>", ""),
    ],
)
def test_a_registered_address_in_the_display_name_makes_no_one_registered(
    db, quotas, alice, from_header, sender
):
    forged = build_mail().replace(b"From: alice@acme.test", f"From: {from_header}".encode())
    row, _ = store(forged)
    assert row.in_held_quota and row.sender == sender
    quotas.ECMP_MAIL_HELD_MAX_BYTES = 0
    with pytest.raises(HeldMailFull):
        store(forged.replace(b"Printer on fire", b"Printer on fire again"))


@pytest.mark.parametrize(
    "sender", ["alice@acme.test, mallory@evil.test", "not an address", "<a\x00b@acme.test>"]
)
def test_a_from_without_one_clear_address_is_a_stranger(db, alice, sender):
    raw = build_mail().replace(b"From: alice@acme.test", f"From: {sender}".encode())
    row, _ = store(raw)
    # Whatever routing will read as the sender (senders.read_address), never Alice.
    assert row.in_held_quota and row.sender == parse_message(raw).sender != alice.email


def test_a_redelivery_of_kept_mail_is_answered_as_stored_even_when_full(db, quotas):
    raw = stranger_mail()
    row, _ = store(raw)
    quotas.ECMP_MAIL_HELD_MAX_BYTES = 0
    assert store(raw) == (row, False)


def test_mail_an_agent_took_in_no_longer_counts_in_the_quotas(db, quotas, alice, agnes):
    from ecmp.mail.services import held_create_ticket

    rows = [store(stranger_mail(n=n))[0] for n in range(3)]
    with pytest.raises(SenderOverQuota):
        store(stranger_mail(n=3))
    InboundEmail.objects.update(status="held")
    held_create_ticket(inbound=rows[0], by=agnes, requester=alice)
    rows[0].refresh_from_db()
    assert not rows[0].in_held_quota
    assert store(stranger_mail(n=3))[1]


def test_purged_bytes_no_longer_count_in_the_quotas(db, quotas):
    quotas.ECMP_MAIL_HELD_DAYS = 30
    for n in range(3):
        store(stranger_mail(n=n))
    with pytest.raises(SenderOverQuota):
        store(stranger_mail(n=3))
    InboundEmail.objects.update(status="held", received_at=timezone.now() - timedelta(days=31))
    assert tasks.inbound_raw_expire.call() == 3
    assert store(stranger_mail(n=3))[1]


def test_only_strangers_mail_counts_in_the_quotas(db, quotas):
    """The quota reads only strangers' rows with raw bytes (the partial index's rows)."""
    for n in range(3):
        store(stranger_mail(n=n))
    InboundEmail.objects.update(in_held_quota=False)
    assert store(stranger_mail(n=3))[1]


# --- The refusals at each way in ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("total", "own", "code"), [(0, 25 * KB * KB, 452), (25 * KB * KB, 0, 552)])
def test_the_listener_answers_a_full_quota_452_and_a_sender_over_quota_552(
    settings, total, own, code
):
    from ecmp.mail.management.commands.mail_listener import make_controller

    settings.ECMP_MAIL_HELD_MAX_BYTES, settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES = total, own
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            # Lines end in CRLF on the wire.
            raw = stranger_mail().replace(b"\n", b"\r\n")
            client.sendmail("x@nowhere.test", ["support@ecmp.localhost"], raw)
    finally:
        controller.stop()
        connections.close_all()
    assert refused.value.smtp_code == code
    assert refused.value.smtp_error.startswith(b"4.3.1" if code == 452 else b"5.3.4")
    assert not InboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("env", "code"),
    [
        ({"ECMP_MAIL_HELD_MAX_MB": "0"}, 75),
        ({"ECMP_MAIL_HELD_SENDER_MAX_MB": "0"}, 65),
    ],
)
def test_mailgate_exits_75_for_a_full_quota_and_65_for_a_sender_over_quota(
    file_database,  # noqa: F811
    env,
    code,
):
    from tests.test_mail_gateways import count_rows

    result = mailgate(stranger_mail(), {**file_database, **env}, "--sender", "x@nowhere.test")
    assert result.returncode == code, result.stderr
    assert b"refused" in result.stderr
    assert count_rows(file_database) == 0


# --- Bounces flag only the recipients of our own mail ------------------------------------


def report(recipients, returned, *, headers_only=False):
    """A delivery-status report as an MTA writes it (RFC 3464 and 6522): the returned
    message whole, or only its headers."""
    per_recipient = "".join(
        f"\nFinal-Recipient: rfc822; {address}\nAction: failed\nStatus: 5.1.1\n"
        for address in recipients
    )
    if headers_only:
        kind, returned = b"text/rfc822-headers", returned.split(b"\n\n", 1)[0] + b"\n"
    else:
        kind = b"message/rfc822"
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.client.test>\n"
        b"To: support@ecmp.localhost\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <report1@mx.client.test>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\n'
        b"\n--BOUND\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        b"\n--BOUND\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.client.test\n"
        + per_recipient.encode()
        + b"\n--BOUND\nContent-Type: "
        + kind
        + b"\n\n"
        + returned
        + b"\n--BOUND--\n"
    )


def returned_mail(message_id, to):
    return build_mail(sender="support@ecmp.localhost", to=to, message_id=message_id)


def flagged(raw):
    return bounced_addresses(raw, parse_message(raw).report_recipients)


@pytest.fixture
def accepted(alice, agnes, django_capture_on_commit_callbacks):
    """Alice's ticket, accepted: our outbox holds an email to her."""
    ticket = make_ticket(alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_accept(ticket=ticket, actor=agnes)
    return OutboundEmail.objects.get(to=[alice.email], kind="ticket_accepted")


@pytest.mark.parametrize("headers_only", [False, True])
def test_a_report_returning_our_mail_flags_its_recipient_only(accepted, bob, headers_only):
    raw = report(
        ["alice@acme.test", "bob@acme.test"],
        returned_mail(accepted.message_id, "alice@acme.test"),
        headers_only=headers_only,
    )
    assert parse_message(raw).report_recipients == ["alice@acme.test", "bob@acme.test"]
    assert flagged(raw) == ["alice@acme.test"]


def test_a_strangers_report_naming_a_customer_flags_nothing(db, alice):
    raw = report(["alice@acme.test"], returned_mail("<spam1@evil.test>", "alice@acme.test"))
    assert flagged(raw) == []


def test_our_mail_to_someone_else_proves_nothing_about_a_customer(accepted, carol):
    """Carol received one of our emails; she cannot make it bounce Alice's address."""
    mine = OutboundEmail.objects.create(
        kind="ticket_accepted",
        to=[carol.email],
        subject="x",
        text="x",
        message_id=make_message_id(1001, carol.email),
    )
    raw = report(["alice@acme.test"], returned_mail(mine.message_id, "alice@acme.test"))
    assert flagged(raw) == []


def test_our_signed_id_without_its_outbox_row_counts_for_its_own_recipient_only(db):
    message_id = make_message_id(1001, "alice@acme.test")
    raw = report(["alice@acme.test", "bob@acme.test"], returned_mail(message_id, "x"))
    assert flagged(raw) == ["alice@acme.test"]


def test_our_signed_id_from_before_tokens_without_its_outbox_row_proves_nothing(db):
    old_style = make_message_id(1001)  # signed ticket, no recipient token
    assert flagged(report(["alice@acme.test"], returned_mail(old_style, "alice@acme.test"))) == []


def test_a_forged_signature_proves_nothing(db):
    forged = "<ecmp.1001.0123456789ab.0123456789abcdef@ecmp.localhost>"
    assert flagged(report(["alice@acme.test"], returned_mail(forged, "alice@acme.test"))) == []


def test_a_report_without_its_returned_message_or_unreadable_flags_nothing(accepted):
    returned = returned_mail(accepted.message_id, "alice@acme.test")
    forwarded = build_mail(
        attachments=[("report.eml", report(["alice@acme.test"], returned), "message", "rfc822")]
    )
    assert bounced_addresses(forwarded, ["alice@acme.test"]) == []
    assert bounced_addresses(b"\x00\xff garbage", ["alice@acme.test"]) == []
    assert bounced_addresses(report(["alice@acme.test"], returned), []) == []


# --- No ticket mail to deactivated people -------------------------------------------------


def emails_to(user):
    return list(OutboundEmail.objects.filter(to=[user.email]).values_list("kind", flat=True))


def test_a_deactivated_requester_gets_no_ticket_mail(run_on_commit, alice, agnes):
    ticket = run_on_commit(lambda: make_ticket(alice))
    alice.is_active = False
    alice.save()
    ticket.refresh_from_db()
    run_on_commit(lambda: services.ticket_accept(ticket=ticket, actor=agnes))
    assert emails_to(alice) == []


def test_the_users_of_a_deactivated_company_get_no_ticket_mail(run_on_commit, alice, agnes, acme):
    ticket = run_on_commit(lambda: make_ticket(alice))
    acme.active = False
    acme.save()
    run_on_commit(lambda: services.ticket_accept(ticket=ticket, actor=agnes))
    message = run_on_commit(
        lambda: services.ticket_reply(ticket=ticket, author=agnes, body="On our way", version=None)
    )
    assert message is not None and emails_to(alice) == []


def test_an_active_requester_still_gets_their_mail(run_on_commit, alice, agnes):
    ticket = run_on_commit(lambda: make_ticket(alice))
    run_on_commit(lambda: services.ticket_accept(ticket=ticket, actor=agnes))
    assert emails_to(alice) == ["ticket_accepted"]


def test_a_deactivated_agent_gets_no_notice(run_on_commit, alice, agnes, adam):
    agnes.is_active = False
    agnes.save()
    run_on_commit(lambda: make_ticket(alice, subject="Scanner jammed"))
    assert emails_to(agnes) == []
    assert emails_to(adam) == ["agent_new_ticket"]


# --- The agents' notice of a new ticket names the requester -----------------------------


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("en", "opened a ticket"), ("fr", "a ouvert un ticket")],
)
def test_the_new_ticket_notice_shows_the_requesters_name_and_address(
    run_on_commit, alice, agnes, language, sentence
):
    agnes.language = language
    agnes.save()
    alice.full_name = "Alice & Co"
    alice.save()
    run_on_commit(lambda: make_ticket(alice, subject="Scanner jammed"))
    notice = OutboundEmail.objects.get(to=[agnes.email], kind="agent_new_ticket")
    assert f"Alice &amp; Co &lt;alice@acme.test&gt; (Acme) {sentence}" in notice.html
    assert "Alice & Co <alice@acme.test> (Acme)" in notice.text


def test_the_quota_sums_read_the_partial_index_of_strangers_bytes(db, quotas):
    """The door's sums never scan the inbox: they read inbox_held_bytes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    store(stranger_mail())
    with CaptureQueriesContext(connection) as captured:
        store(stranger_mail(n=1))
    sums = [q["sql"] for q in captured.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(sums) == 2  # the door's (this sender's held bytes) and the total
    for query in sums:
        plan = plan_of_sql(query)
        assert "inbox_held_bytes" in plan, plan
