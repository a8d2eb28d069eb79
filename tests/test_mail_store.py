"""Storing mail: every message kept as itself, its envelope sender, and raw bytes that expire."""

import json
import smtplib
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from ecmp.mail import services, tasks
from ecmp.mail.inbound.pipeline import envelope_sender_from_headers, inbound_store
from ecmp.mail.models import InboundEmail, Verification
from tests.helpers import plan_of_sql
from tests.mailtools import build_mail, free_port
from tests.test_mail_gateways import (  # noqa: F401 (a fixture)
    ROOT,
    file_database,
    mailgate,
    manage_shell,
)


def store(raw, **kwargs):
    return inbound_store(raw, source="test", **kwargs)


# --- A re-delivery is the same message; a reused Message-ID is not -----------------


def test_a_reused_message_id_with_another_subject_is_a_second_message(db):
    first = build_mail(message_id="<reused@client.test>", subject="Printer on fire")
    second = first.replace(b"Subject: Printer on fire", b"Subject: Invoice overdue")
    assert store(first)[1] and store(second)[1]
    assert InboundEmail.objects.filter(message_id="<reused@client.test>").count() == 2


def test_a_reused_message_id_from_another_sender_is_a_second_message(db):
    first = build_mail(message_id="<reused@client.test>", sender="alice@acme.test")
    second = first.replace(b"From: alice@acme.test", b"From: mallory@evil.test")
    assert store(first)[1] and store(second)[1]
    assert sorted(InboundEmail.objects.values_list("sender", flat=True)) == [
        "alice@acme.test",
        "mallory@evil.test",
    ]


def test_a_reused_message_id_on_another_date_is_a_second_message(db):
    first = build_mail(message_id="<reused@client.test>")
    date = next(line for line in first.split(b"\n") if line.startswith(b"Date: "))
    second = first.replace(date, b"Date: Mon, 01 Jan 2001 00:00:00 +0000")
    assert store(first)[1] and store(second)[1]


def test_a_redelivery_with_other_trace_headers_is_stored_once(db):
    raw = build_mail(message_id="<once@client.test>")
    relayed = (
        b"Return-Path: <bounces@client.test>\n"
        b"Received: from mx2.client.test by mx.ecmp.test; Tue, 2 Jun 2026 10:00:00 +0000\n"
        b"Delivered-To: support@ecmp.localhost\n"
        b"Authentication-Results: mx.ecmp.test; spf=pass\n" + raw.replace(b"\n", b"\r\n")
    )
    row, created = store(raw)
    again, created_again = store(relayed)
    assert created and not created_again and again.pk == row.pk
    assert InboundEmail.objects.count() == 1


def test_a_refolded_subject_is_the_same_message(db):
    raw = build_mail(message_id="<folded@client.test>", subject="A rather long subject line")
    refolded = raw.replace(b"Subject: A rather long", b"Subject: A rather\n  long")
    assert store(raw)[1] and not store(refolded)[1]


@pytest.mark.parametrize("with_id", [True, False])
def test_a_byte_identical_redelivery_is_stored_once(db, with_id):
    raw = build_mail(message_id="<same@client.test>")
    if not with_id:
        raw = raw.replace(b"Message-ID: <same@client.test>\n", b"")
    row, created = store(raw)
    again, created_again = store(raw)
    assert created and not created_again and again.pk == row.pk
    assert row.dedupe_key.startswith("id:" if with_id else "sha256:")


def test_the_same_body_without_a_message_id_but_other_headers_is_a_second_message(db):
    raw = build_mail().replace(b"Message-ID:", b"X-Old-ID:")
    assert store(raw)[1] and store(b"Received: by mx\n" + raw)[1]


# --- The envelope sender -------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("<Bounces+X@Client.Test>", "bounces+x@client.test"),
        ("bob@client.test", "bob@client.test"),
        ("<>", ""),
        ("", ""),
        (None, ""),
        ("<a\x00b\r\n@x.test>", "ab@x.test"),
        ("<" + "a" * 300 + "@x.test>", "a" * 254),
    ],
)
def test_the_envelope_sender_is_kept_lowercase_without_brackets(db, given, kept):
    row, _ = store(build_mail(), envelope_from=given)
    row.refresh_from_db()
    assert row.envelope_from == kept


def test_imap_takes_the_first_return_path_as_envelope_sender():
    raw = b"Return-Path: <First@Relay.Test>\nReturn-Path: <second@x.test>\n" + build_mail()
    assert envelope_sender_from_headers(raw) == "first@relay.test"
    assert envelope_sender_from_headers(b"Return-Path: <>\n" + build_mail()) == ""
    assert envelope_sender_from_headers(build_mail()) == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mail_from", ["Bounces@Client.Test", ""])
def test_the_listener_records_mail_from(mail_from):
    from ecmp.mail.management.commands.mail_listener import make_controller

    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(mail_from, ["support@ecmp.localhost"], build_mail())
    finally:
        controller.stop()
        connections.close_all()
    row = InboundEmail.objects.get()
    assert row.envelope_from == mail_from.lower()
    # The Return-Path the listener writes into the message stays (bounces are told by it).
    assert bytes(row.raw).startswith(f"Return-Path: <{mail_from}>".encode())


def stored_rows(env, *fields):
    script = (
        "import json; from ecmp.mail.models import InboundEmail as I; "
        f"print(json.dumps(list(I.objects.order_by('pk').values_list(*{fields!r}))))"
    )
    return [tuple(row) for row in json.loads(manage_shell(env, script))]


def test_mailgate_records_the_sender_option(file_database):  # noqa: F811
    raw = build_mail(message_id="<gate@client.test>")
    assert mailgate(raw, file_database, "--sender", "<Bounces@Client.Test>").returncode == 0
    bounce = build_mail(message_id="<gate2@client.test>")
    assert mailgate(bounce, file_database, "--sender", "").returncode == 0
    assert stored_rows(file_database, "message_id", "envelope_from") == [
        ("<gate@client.test>", "bounces@client.test"),
        ("<gate2@client.test>", ""),
    ]


# --- Raw bytes expire ----------------------------------------------------------------


def aged(days, status, **fields):
    row, _ = store(build_mail(sender="x@nowhere.test", subject=f"{status} {days}"))
    InboundEmail.objects.filter(pk=row.pk).update(
        status=status,
        received_at=timezone.now() - timedelta(days=days),
        subject=f"{status} {days}",  # as processing wrote it
        verification=Verification.UNVERIFIED,
        reason="unknown sender",
        outcome=status,
        **fields,
    )
    return row.pk


def test_raw_bytes_of_held_discarded_and_ignored_mail_expire_and_the_rows_stay(db, settings):
    settings.ECMP_MAIL_HELD_DAYS = 30
    old = {status: aged(31, status) for status in ("held", "discarded", "ignored")}
    kept = [
        aged(31, "processed"),
        aged(31, "failed"),
        aged(31, "received"),
        aged(29, "held"),
    ]
    assert tasks.inbound_raw_expire.call() == 3
    for status, pk in old.items():
        row = InboundEmail.objects.get(pk=pk)
        assert bytes(row.raw) == b"" and row.raw_purged_at is not None
        assert (row.status, row.sender, row.subject) == (status, "x@nowhere.test", f"{status} 31")
        assert row.verification == Verification.UNVERIFIED and row.reason == "unknown sender"
        assert row.size > 0  # what it was, for the record
    for row in InboundEmail.objects.filter(pk__in=kept):
        assert bytes(row.raw) and row.raw_purged_at is None
    assert tasks.inbound_raw_expire.call() == 0  # done once


def test_the_expiry_works_in_bounded_batches_and_hands_a_backlog_on(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ECMP_MAIL_HELD_DAYS = 1
    monkeypatch.setattr(services, "EXPIRY_BATCH", 2)
    monkeypatch.setattr(tasks, "EXPIRY_BATCHES", 2)
    for n in range(7):
        aged(2 + n, ["held", "ignored"][n % 2])
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.inbound_raw_expire.call()  # 4, then a new task for the rest: 3
    assert first == 4
    assert not InboundEmail.objects.filter(raw_purged_at__isnull=True).exists()


def test_the_expiry_runs_every_hour():
    from ecmp.core.periodic import schedule

    job, period = schedule()["inbound-raw-expire"]
    assert job is tasks.inbound_raw_expire and period == 3600


def test_the_expiry_reads_the_status_index(db, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    aged(40, "held")
    with CaptureQueriesContext(connection) as captured:
        tasks.inbound_raw_expire.call()
    (select,) = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and "received_at" in q["sql"]
    ][:1]
    plan = plan_of_sql(select)
    assert "inbox_status" in plan, plan
