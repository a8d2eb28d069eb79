"""The three ways in: mailgate (an MTA's pipe), the SMTP/LMTP listener, IMAP polling."""

import os
import smtplib
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from ecmp.mail.models import InboundEmail
from ecmp.mail.tasks import inbound_process
from tests.mailtools import build_mail, free_port

ROOT = Path(django_settings.BASE_DIR)


def mailgate(raw, env_extra, *args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env_extra}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "mailgate", *args],
        input=raw,
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def file_database(tmp_path):
    """A database file of its own that the subprocess and the test both use."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'gate.sqlite3'}", "ECMP_VAR_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        check=True,
    )
    return env


def manage_shell(env, script):
    """Run `script` in `manage.py shell` against the database of `env`; what it printed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v", "0", "-c", script],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def count_rows(env):
    script = "from ecmp.mail.models import InboundEmail as I; print(I.objects.count())"
    return int(manage_shell(env, script))


def test_mailgate_stores_and_exits_0_even_for_a_duplicate(file_database):
    raw = build_mail()
    assert mailgate(raw, file_database).returncode == 0
    assert mailgate(raw, file_database).returncode == 0
    assert count_rows(file_database) == 1


def test_mailgate_refuses_empty_mail_with_65(file_database):
    result = mailgate(b"", file_database)
    assert result.returncode == 65 and b"empty" in result.stderr


def test_mailgate_asks_the_mta_to_retry_when_the_database_is_down(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        "ECMP_VAR_DIR": str(tmp_path),
    }
    result = mailgate(build_mail(), env)
    assert result.returncode == 75


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lmtp", [False, True])
def test_the_listener_refuses_unknown_recipients_and_stores_the_rest(lmtp):
    from ecmp.mail.management.commands.mail_listener import make_controller

    port = free_port()
    controller = make_controller("127.0.0.1", port, lmtp=lmtp)
    controller.start()
    try:
        client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
        with client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("a@b.test", ["somebody@elsewhere.test"], build_mail())
            refused = client.sendmail(
                "alice@acme.test", ["support+1001@ecmp.localhost"], build_mail(message_id="<l1@x>")
            )
            assert refused == {}
    finally:
        controller.stop()
        connections.close_all()
    row = InboundEmail.objects.get()
    assert row.source == "smtp" and row.envelope_to == ["support+1001@ecmp.localhost"]


# --- IMAP against a real Dovecot (started by .ci/run; see TEST-SERVICES.md) ----------

IMAP = {
    key: os.environ.get(f"ECMP_TEST_IMAP_{key}") for key in ("HOST", "PORT", "USER", "PASSWORD")
}
needs_imap = pytest.mark.skipif(
    not all(IMAP.values()),
    reason="no IMAP server configured (ECMP_TEST_IMAP_HOST/PORT/USER/PASSWORD; .ci/run starts Dovecot)",
)


@pytest.fixture
def imap_box(settings):
    from imap_tools import MailBoxUnencrypted

    settings.ECMP_IMAP_HOST = IMAP["HOST"]
    settings.ECMP_IMAP_PORT = int(IMAP["PORT"])
    settings.ECMP_IMAP_SSL = False
    settings.ECMP_IMAP_USER = IMAP["USER"]
    settings.ECMP_IMAP_PASSWORD = IMAP["PASSWORD"]
    settings.ECMP_IMAP_FOLDER = "INBOX"
    settings.ECMP_IMAP_PROCESSED_FOLDER = "Archive"
    box = MailBoxUnencrypted(IMAP["HOST"], int(IMAP["PORT"])).login(IMAP["USER"], IMAP["PASSWORD"])
    for folder in ("INBOX", "Archive", "Refused"):
        if box.folder.exists(folder):
            box.folder.set(folder)
            uids = box.uids("ALL")
            if uids:
                box.delete(uids)
    box.folder.set("INBOX")
    yield box
    box.logout()


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_imap_polling_stores_processes_and_moves(imap_box, alice):
    from ecmp.mail.inbound.imap import imap_fetch

    for n in range(3):
        imap_box.append(build_mail(subject=f"By IMAP {n}", message_id=f"<imap{n}@x>"), "INBOX")
    assert imap_fetch() == 3
    imap_box.folder.set("INBOX")  # see what the poller's session changed
    assert imap_box.uids("ALL") == []
    imap_box.folder.set("Archive")
    assert len(imap_box.uids("ALL")) == 3
    inbound_process.call([])  # the three waiting
    assert sorted(InboundEmail.objects.values_list("outcome", flat=True)) == ["ticket_created"] * 3


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_store_each_message_once(imap_box, alice):
    from ecmp.mail.inbound.imap import imap_fetch

    for n in range(10):
        imap_box.append(build_mail(subject=f"Race {n}", message_id=f"<race{n}@x>"), "INBOX")
    errors, barrier = [], threading.Barrier(2)

    def poll():
        try:
            barrier.wait()
            imap_fetch()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert InboundEmail.objects.count() == 10
    imap_box.folder.set("INBOX")
    assert imap_box.uids("ALL") == []


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_a_refused_message_is_moved_aside_and_does_not_block_the_mailbox(imap_box, alice, settings):
    from ecmp.mail.inbound.imap import imap_fetch

    settings.ECMP_INBOUND_MAX_BYTES = 2000
    imap_box.append(build_mail(subject="Too big", body="x" * 5000, message_id="<big@x>"), "INBOX")
    imap_box.append(build_mail(subject="Fine", message_id="<fine@x>"), "INBOX")
    assert imap_fetch() == 1
    imap_box.folder.set("INBOX")
    assert imap_box.uids("ALL") == []
    imap_box.folder.set("Refused")
    assert len(imap_box.uids("ALL")) == 1
    assert InboundEmail.objects.get().subject == "Fine"


@needs_imap
@pytest.mark.django_db(transaction=True)
def test_a_stranger_over_the_quotas_waits_in_the_mailbox_or_is_moved_aside(
    imap_box, alice, settings
):
    """Held mail full (temporary): the message stays for a later poll, nothing lost;
    one sender over their own quota (permanent): moved to Refused. Alice's mail
    passes either way."""
    from ecmp.mail.inbound.imap import imap_fetch

    settings.ECMP_MAIL_HELD_MAX_BYTES = 10_000_000
    settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES = 1500
    body = "x" * 1000
    for n in range(2):
        imap_box.append(build_mail(sender="spam@nowhere.test", body=body, subject=f"s{n}"), "INBOX")
    imap_box.append(build_mail(subject="Genuine", message_id="<genuine@x>"), "INBOX")
    assert imap_fetch() == 2  # the first stranger's message and alice's
    imap_box.folder.set("Refused")
    assert len(imap_box.uids("ALL")) == 1

    settings.ECMP_MAIL_HELD_MAX_BYTES = 0  # full for everyone: try later
    imap_box.append(build_mail(sender="new@nowhere.test", subject="later"), "INBOX")
    assert imap_fetch() == 0
    imap_box.folder.set("INBOX")
    assert len(imap_box.uids("ALL")) == 1  # still there for the next poll
    settings.ECMP_MAIL_HELD_MAX_BYTES = 10_000_000
    assert imap_fetch() == 1
    assert InboundEmail.objects.filter(sender="new@nowhere.test").exists()
