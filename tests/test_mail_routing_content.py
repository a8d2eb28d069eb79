"""What routing makes of a message's content: too many parts, encrypted mail,
machine mail that must never be answered."""

import pytest
from django.core import mail

from ecmp.mail.models import InboundEmail, OutboundEmail
from tests.mailtools import build_mail


def test_at_most_max_parts_files_are_kept_and_the_rest_noted(deliver, alice, settings):
    settings.ECMP_MAIL_MAX_PARTS = 5
    files = [(f"note{n}.txt", b"x", "text", "plain") for n in range(12)]
    row = deliver(build_mail(attachments=files))
    ticket = row.ticket
    assert ticket.attachments.count() == 5
    assert "7 more attachments were not added: at most 5 are kept" in ticket.description


def test_thousands_of_parts_make_a_ticket_of_max_parts_files(deliver, alice):
    files = [(f"p{n}.txt", b"y", "text", "plain") for n in range(1000)]
    row = deliver(build_mail(attachments=files))
    assert row.status == InboundEmail.Status.PROCESSED
    assert row.ticket.attachments.count() == 100


SMIME = (
    b"From: alice@acme.test\r\nTo: support@ecmp.localhost\r\nSubject: Secret\r\n"
    b"Message-ID: <enc1@acme.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n'
    b'Content-Disposition: attachment; filename="smime.p7m"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggFAMIIBPAIBADAkMBAxDjAMBgNVBAMMBXRlc3Qx\r\n"
)
PGP_MIME = (
    b"From: alice@acme.test\r\nTo: support@ecmp.localhost\r\nSubject: Secret\r\n"
    b"Message-ID: <enc2@acme.test>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"\r\n\r\n'
    b"--E\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
    b'--E\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
    b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA1234567890\r\n-----END PGP MESSAGE-----\r\n--E--\r\n"
)


@pytest.mark.parametrize("raw", [SMIME, PGP_MIME], ids=["smime", "pgp-mime"])
def test_encrypted_mail_says_so_in_the_customers_and_the_desks_language(deliver, alice, raw):
    alice.language = "fr"
    alice.save()
    row = deliver(raw)
    ticket = row.ticket
    assert "This message was encrypted and could not be read here." in ticket.description
    assert "Ce message était chiffré" in ticket.description
    assert "(The message had no text.)" not in ticket.description
    assert ticket.attachments.exists()  # the encrypted part is kept


def test_inline_pgp_is_encrypted_too(deliver, alice):
    body = "-----BEGIN PGP MESSAGE-----\n\nhQEMA1234567890abcdef\n-----END PGP MESSAGE-----\n"
    row = deliver(build_mail(body=body))
    assert "encrypted" in row.ticket.description


@pytest.mark.parametrize(
    "sender,headers",
    [
        ("alice@acme.test", {"X-Cron-Env": "<SHELL=/bin/sh>"}),
        ("alice@acme.test", {"X-Jira-Fingerprint": "abc"}),
        ("alice@acme.test", {"X-Auto-Response-Suppress": "All"}),
    ],
)
def test_machine_mail_from_a_registered_sender_is_a_ticket_never_answered(
    deliver, alice, agnes, sender, headers, settings
):
    settings.ECMP_ATTACHMENT_MAX_BYTES = 10
    row = deliver(
        build_mail(
            sender=sender,
            headers=headers,
            attachments=[("big.log", b"z" * 100, "text", "plain")],
        )
    )
    assert row.status == InboundEmail.Status.PROCESSED and row.outcome == "ticket_created"
    assert row.ticket.requester == alice
    # No acknowledgement, no "attachment refused": only the agents' notice.
    assert [m.to for m in mail.outbox] == [[agnes.email]]
    assert not OutboundEmail.objects.filter(to=[alice.email]).exists()
