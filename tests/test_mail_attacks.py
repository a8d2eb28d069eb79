"""A security review of issue 15 ("Mail you can trust"), as an attacker would try it.

Each test asserts the secure behaviour; each failed on the code it was written
against, and shows one way round the proven-sender rules.
"""

import re

import dkim
import pytest
from django.core import mail
from django.urls import reverse

from ecmp.mail.inbound import verify
from ecmp.mail.inbound.pipeline import MessageRefused
from ecmp.mail.models import InboundEmail, OutboundEmail, Verification
from ecmp.tickets import services
from ecmp.tickets.models import Message
from tests.factories import make_ticket
from tests.mailtools import build_mail, dkim_keypair

HELD, PROCESSED, FAILED = (
    InboundEmail.Status.HELD,
    InboundEmail.Status.PROCESSED,
    InboundEmail.Status.FAILED,
)


@pytest.fixture
def dkim_key(monkeypatch, settings):
    """Local DKIM on, support.test's key answered without DNS."""
    settings.ECMP_MAIL_VERIFY_DKIM = True
    private, record = dkim_keypair()
    monkeypatch.setattr(
        verify,
        "DKIM_DNS",
        lambda name, timeout=5: record if name == b"sel._domainkey.support.test." else None,
    )
    return private


def agnes_genuine_mail(private, *, length=False, headers=None, subject="Lunch on Friday?"):
    """A real email agnes once sent from her own mailbox to someone outside (say, to
    a customer who is now the attacker), signed by support.test as Gmail or
    Microsoft 365 would sign it (From, Subject, To, Date, Message-ID, In-Reply-To)."""
    raw = build_mail(
        sender="Agnes Agent <agnes@support.test>",
        to="someone@customer.test",
        subject=subject,
        body="See you at noon.",
        headers=headers,
    )
    signature = dkim.sign(
        raw,
        b"sel",
        b"support.test",
        private,
        include_headers=[
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"in-reply-to",
            b"references",
        ],
        length=length,
    )
    return signature + raw


def customer_mail(alice):
    return [m for m in mail.outbox if alice.email in m.to]


# --- DKIM: a genuine signature that does not cover what ECMP reads ------------------------


def test_a_replayed_dkim_mail_with_a_prepended_subject_is_not_an_agent_reply(
    deliver, alice, agnes, dkim_key
):
    """DKIM verifies the *last* Subject (and In-Reply-To); ECMP reads the first. An
    attacker holding any signed mail of agnes's puts a ticket's subject above the
    signed one: the signature still passes, and the mail becomes agnes's public
    reply on a ticket of the attacker's choosing, mailed to the customer."""
    ticket = make_ticket(alice)
    genuine = agnes_genuine_mail(dkim_key)
    forged = f"Subject: Re: [#{ticket.number}] {ticket.subject}\n".encode() + genuine
    mail.outbox.clear()
    row = deliver(forged)
    assert not Message.objects.filter(ticket=ticket, author=agnes).exists()
    assert row.status == HELD
    assert row.verification != Verification.VERIFIED
    assert customer_mail(alice) == []


def test_a_replayed_dkim_mail_with_a_prepended_in_reply_to_is_not_an_agent_reply(
    deliver, alice, agnes, dkim_key, run_on_commit
):
    """The same with In-Reply-To: ECMP takes the first one, DKIM the signed last one."""
    ticket = make_ticket(alice)
    # Any signed reference to the ticket will do: the customer has plenty (her own mail).
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=agnes, body="Which model?"))
    reference = OutboundEmail.objects.filter(to=[alice.email]).last().message_id
    genuine = agnes_genuine_mail(dkim_key, headers={"In-Reply-To": "<old@customer.test>"})
    forged = f"In-Reply-To: {reference}\n".encode() + genuine
    row = deliver(forged)
    assert not Message.objects.filter(ticket=ticket, author=agnes, body__contains="noon").exists()
    assert row.status == HELD


def test_a_dkim_body_length_tag_does_not_let_text_be_appended(deliver, alice, agnes, dkim_key):
    """A signature with l= covers only the first bytes of the body: whatever an
    attacker appends to a genuine signed message is not signed, yet the message
    counts as proven (here agnes once mailed about the ticket to someone outside)."""
    ticket = make_ticket(alice)
    genuine = agnes_genuine_mail(dkim_key, length=True, subject=f"Re: [#{ticket.number}] x")
    forged = genuine + b"\nPS: your new password page is https://evil.test/reset\n"
    row = deliver(forged)
    assert not Message.objects.filter(body__contains="evil.test").exists()
    assert row.verification != Verification.VERIFIED


def test_dkim_checked_here_does_not_fail_a_message_with_a_broken_header_fold(
    deliver, alice, dkim_key
):
    """parse.repair_header_block accepts a header line a mailer forgot to fold; dkimpy
    raises MessageFormatError on it outside verify()'s try, so the whole message is
    'failed' instead of a ticket (any attacker can do this to their own mail, and a
    genuine customer's mail with a broken fold and a DKIM signature never arrives)."""
    raw = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=acme.test; s=sel; h=from; bh=AA==; b=AA==\n"
        b"From: alice@acme.test\n"
        b"To: support@ecmp.localhost\n"
        b"Subject: Printer\n"
        b"X-Long: a header whose fold\n"
        b"lost its leading space\n"
        b"Message-ID: <fold@acme.test>\n"
        b"\n"
        b"It jams.\n"
    )
    row = deliver(raw)
    assert row.status != FAILED, row.last_error
    assert row.status == PROCESSED and row.outcome == "ticket_created"


# --- Stranger quotas: a forger is a stranger ------------------------------------------------


@pytest.fixture
def small_quota(settings):
    settings.ECMP_MAIL_HELD_MAX_BYTES = 20_000
    settings.ECMP_MAIL_HELD_SENDER_MAX_BYTES = 10_000


def flood(deliver, sender, count=40, **kwargs):
    kept = 0
    for number in range(count):
        raw = build_mail(
            sender=sender,
            subject=f"Re: [#1001] flood {number}",
            body=f"{number} " + "x" * 2_000,
            **kwargs,
        )
        try:
            deliver(raw)
        except MessageRefused:
            continue
        kept += 1
    return kept


def test_mail_forged_in_an_agents_name_is_under_the_held_quota(deliver, agnes, small_quota):
    """Anyone can write From: agnes@support.test: each message is held (unverified
    sender), but counted as a registered person's mail, never under the strangers'
    quotas — held storage grows without bound (until expiry)."""
    flood(deliver, agnes.email)
    kept = sum(
        row.size for row in InboundEmail.objects.filter(status=HELD, raw_purged_at__isnull=True)
    )
    assert kept <= 20_000 + 3_000, f"{kept} bytes of forged held mail kept"


def test_mail_forged_in_a_customers_name_with_a_sender_header_is_under_the_quota(
    deliver, alice, small_quota
):
    """From: a customer, Sender: anyone: held ('Sender differs from From'), never
    counted, never refused."""
    flood(deliver, alice.email, headers={"Sender": "bulk@evil.test"})
    kept = sum(
        row.size for row in InboundEmail.objects.filter(status=HELD, raw_purged_at__isnull=True)
    )
    assert kept <= 20_000 + 3_000, f"{kept} bytes of held mail kept"


def test_mail_in_the_name_of_a_deactivated_company_is_under_the_quota(
    deliver, carol, globex, small_quota
):
    """A user of a deactivated organization is active, hence 'not a stranger' at the
    door, and every message in their name is held ('deactivated sender')."""
    globex.active = False
    globex.save()
    flood(deliver, carol.email)
    kept = sum(
        row.size for row in InboundEmail.objects.filter(status=HELD, raw_purged_at__isnull=True)
    )
    assert kept <= 20_000 + 3_000, f"{kept} bytes of held mail kept"


# --- Authentication-Results: what the boundary MTA lets through ------------------------------


@pytest.fixture
def trusted(settings):
    settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID = "mx.ecmp.test"
    return "mx.ecmp.test"


def through_postfix(raw, *added):
    """The boundary MTA as docs/operations.md sets it up: the documented header_checks
    rule drops incoming copies of its results, then its milters add their own on top."""
    rule = re.compile(rb"^Authentication-Results:\s*mx\.ecmp\.test\b", re.I)
    head, _, body = raw.partition(b"\n\n")
    kept = []
    for line in re.split(rb"\n(?![ \t])", head):
        if not rule.match(line):
            kept.append(line)
    top = b"".join(f"Authentication-Results: {value}\n".encode() for value in added)
    return (
        b"Received: from evil.test by mx.ecmp.test; Mon, 1 Dec 2025 10:00:00 +0000\n"
        + top
        + b"\n".join(kept)
        + b"\n\n"
        + body
    )


def test_a_forged_result_with_a_leading_comment_is_not_trusted(deliver, alice, agnes, trusted):
    """RFC 8601 allows a comment before the authserv-id; authres accepts it, the
    documented header_checks rule (`^Authentication-Results:\\s*mx\\.example\\.com\\b`)
    does not drop it, and _trusted_results counts every trusted-id header in the
    top run, the sender's own copy just below the MTA's included. Agnes's domain
    publishes no DMARC record (the MTA says dmarc=none): the forgery verifies."""
    ticket = make_ticket(alice)
    raw = build_mail(
        sender=agnes.email,
        subject=f"Re: [#{ticket.number}] x",
        body="Run the attached fix.",
        headers={"Authentication-Results": f"(ok) {trusted}; dmarc=pass header.from=support.test"},
    )
    delivered = through_postfix(
        raw,
        f"{trusted}; dmarc=none header.from=support.test",
        f"{trusted}; dkim=none; spf=pass smtp.mailfrom=evil.test",
    )
    mail.outbox.clear()
    row = deliver(delivered, envelope_from="attacker@evil.test")
    assert row.verification != Verification.VERIFIED, row.evidence
    assert row.status == HELD
    assert not ticket.messages.exists()
    assert customer_mail(alice) == []


def test_a_second_subject_header_does_not_ride_on_a_trusted_dkim_pass(
    deliver, alice, agnes, trusted
):
    """The MTA verified agnes's genuine signature (over the last Subject); ECMP reads
    the first Subject, which the attacker put on top: proven mail, another ticket."""
    ticket = make_ticket(alice)
    genuine = build_mail(sender=agnes.email, to="someone@customer.test", subject="Lunch?")
    forged = f"Subject: Re: [#{ticket.number}] x\n".encode() + genuine
    delivered = through_postfix(
        forged,
        f"{trusted}; dkim=pass header.d=support.test header.s=sel; "
        "dmarc=pass header.from=support.test",
    )
    row = deliver(delivered)
    assert not ticket.messages.exists()
    assert row.status == HELD


# --- Bad input: never a failed message, never a 500 ----------------------------------------

FORWARDED_BROKEN = (
    b"From: alice@acme.test\nTo: support@ecmp.localhost\nSubject: Forwarded\n"
    b"Message-ID: <fw@acme.test>\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
    b"Content-Type: multipart/alternative;\nX\xff: 1\n"
)
UUENCODED_8BIT = (
    b"From: alice@acme.test\nTo: support@ecmp.localhost\nSubject: File\n"
    b"Message-ID: <uu@acme.test>\nContent-Type: text/plain; charset=utf-8\n\n"
    b"Here it is.\nbegin 644 file.bin\n\xc3\xa9t\xc3\xa9\nend\n"
)


@pytest.mark.parametrize(
    "raw",
    [FORWARDED_BROKEN, UUENCODED_8BIT],
    ids=["attached-message-8bit-header-line", "uuencoded-8bit-line"],
)
def test_hostile_structure_neither_fails_the_message_nor_the_desk_page(
    deliver, alice, adam, client_for, raw
):
    """parse_message raises (UnicodeEncodeError from as_bytes() of an attached message
    with an 8-bit line; ValueError from binascii.a2b_uu on a non-ASCII line, which is
    not a binascii.Error): the message is 'failed' for ever (retry fails the same
    way) and its page in the desk, which parses it again, is a 500."""
    row = deliver(raw)
    client = client_for(adam)
    client.raise_request_exception = False
    page = client.get(reverse("desk:mail-inbound", args=[row.pk]))
    assert (row.status, page.status_code) != (FAILED, 500), row.last_error
    assert row.status != FAILED and page.status_code == 200


def test_nul_bytes_in_a_folded_subject_or_the_evidence_never_reach_the_database(
    deliver, alice, settings
):
    """A header line without its fold (repaired as a continuation) carrying a NUL, and
    an Authentication-Results value with one: PostgreSQL refuses NUL in text and JSON."""
    settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID = "mx.ecmp.test"
    raw = (
        b"Authentication-Results: mx.ecmp.test; dkim=pass header.d=ev\x00il.test\n"
        b"From: alice@acme.test\nTo: support@ecmp.localhost\nSubject: Printer on fire\n"
        b"Dar\x00ing\nMessage-ID: <nul@acme.test>\n\nSmoke.\n"
    )
    row = deliver(raw)
    assert row.status == PROCESSED, row.last_error
    assert "\x00" not in row.subject and "\x00" not in str(row.evidence)
