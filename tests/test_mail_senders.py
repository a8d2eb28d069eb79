"""Senders proven, not believed: reply tokens, Authentication-Results, DKIM, the policy.

The attacks of issue 15 as an attacker would send them: through the real SMTP
listener and through mailgate, not only through the store function.
"""

import base64
import os
import smtplib
import subprocess
import sys

import dkim
import pytest
from django.core import mail
from django.db import connections
from django.urls import reverse

from ecmp.mail.inbound import verify
from ecmp.mail.models import InboundDecision, InboundEmail, OutboundEmail, Verification
from ecmp.mail.services import held_release
from ecmp.tickets import services
from ecmp.tickets.models import Message
from tests.factories import make_ticket
from tests.mailtools import build_mail, dkim_keypair, free_port
from tests.test_mail_gateways import file_database, manage_shell  # noqa: F401 - a fixture

HELD, PROCESSED = InboundEmail.Status.HELD, InboundEmail.Status.PROCESSED


@pytest.fixture
def trusted(settings):
    settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID = "mx.ecmp.test"
    return "mx.ecmp.test"


def token_id(address, run_on_commit, ticket, agent):
    """The Message-ID of our last email to `address` about `ticket` (an agent's reply)."""
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=agent, body="Which model?"))
    return OutboundEmail.objects.filter(to=[address]).order_by("-id").first().message_id


def customer_mail():
    return [m for m in mail.outbox if "alice@acme.test" in m.to]


# --- A forged agent -------------------------------------------------------------------


def test_a_forged_agent_reply_is_held_and_the_real_agent_is_told(deliver, alice, agnes):
    ticket = make_ticket(alice)
    mail.outbox.clear()
    raw = build_mail(
        sender=f"Agnes Agent <{agnes.email}>",
        subject=f"Re: [#{ticket.number}] {ticket.subject}",
        body="Please run the attached macro.",
        attachments=[("fix.docm", b"PK\x03\x04macro", "application", "octet-stream")],
    )
    row = deliver(raw, envelope_from="attacker@evil.test")
    assert row.status == HELD and row.reason == "unverified sender"
    assert row.verification == Verification.UNVERIFIED
    assert {"check": "envelope", "result": "warning", "detail": "attacker@evil.test"} in (
        row.evidence
    )
    assert not ticket.messages.exists()
    assert customer_mail() == []  # nothing reached the customer
    (notice,) = [m for m in mail.outbox if m.to == [agnes.email]]
    assert "in your name" in notice.subject
    # Nothing the forger wrote is forwarded from our address: not the text, not the subject.
    assert "macro" not in notice.body and ticket.subject not in notice.body


def test_a_forged_agent_on_a_closed_ticket_of_another_company_changes_nothing(
    deliver, alice, carol, agnes
):
    ticket = make_ticket(carol)
    services.ticket_transition(ticket=ticket, actor=agnes, status="closed")
    row = deliver(build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"))
    ticket.refresh_from_db()
    assert row.status == HELD and ticket.status == "closed" and not ticket.messages.exists()


def test_a_forged_agent_through_the_real_listener_is_held(transactional_db, alice, agnes):
    from ecmp.mail.management.commands.mail_listener import make_controller

    ticket = make_ticket(alice)
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(
                "attacker@evil.test",
                ["support@ecmp.localhost"],
                build_mail(
                    sender=f"Arthur Agent <{agnes.email}>",
                    subject=f"Re: [#{ticket.number}] {ticket.subject}",
                ),
            )
    finally:
        controller.stop()
        connections.close_all()
    row = InboundEmail.objects.get()
    assert row.envelope_from == "attacker@evil.test"
    assert row.status == HELD and row.reason == "unverified sender"
    assert not Message.objects.exists()
    assert not OutboundEmail.objects.filter(to=[alice.email], kind="ticket_reply").exists()


def test_an_encoded_display_name_never_becomes_the_sender(deliver, alice, agnes):
    ticket = make_ticket(alice)
    encoded = "=?utf-8?q?=3C" + agnes.email.replace("@", "=40").replace(".", "=2E") + "=3E?="
    # Written as bytes: building it with the email package would decode the name.
    raw = (
        f"From: {encoded} <attacker@evil.test>\nTo: support@ecmp.localhost\n"
        f"Subject: Re: [#{ticket.number}] x\nMessage-ID: <enc@evil.test>\n\nDo it.\n"
    ).encode()
    row = deliver(raw)
    assert row.sender == "attacker@evil.test"
    assert row.status == HELD and not ticket.messages.exists()


def test_a_customers_name_with_a_comma_encoded_by_outlook_is_still_the_customer(deliver, alice):
    name = "=?utf-8?B?" + base64.b64encode(b"Schuman, Robert").decode() + "?="
    raw = (
        f"From: {name} <alice@acme.test>\nTo: support@ecmp.localhost\n"
        "Subject: Printer\nMessage-ID: <outlook@acme.test>\n\nIt jams.\n"
    ).encode()
    row = deliver(raw)
    assert row.sender == "alice@acme.test"
    assert row.status == PROCESSED and row.outcome == "ticket_created"


def test_an_address_as_display_name_never_becomes_the_sender(deliver, alice):
    ticket = make_ticket(alice)
    raw = build_mail(sender='"alice@acme.test" <attacker@evil.test>', subject=f"[#{ticket.number}]")
    row = deliver(raw)
    assert row.sender == "attacker@evil.test" and row.status == HELD
    assert not ticket.messages.exists()


# --- Reply tokens -----------------------------------------------------------------------


def test_a_genuine_reply_with_its_token_is_verified(deliver, alice, agnes, run_on_commit):
    ticket = make_ticket(alice)
    ours = token_id(alice.email, run_on_commit, ticket, agnes)
    row = deliver(build_mail(subject="Re: x", headers={"In-Reply-To": ours, "References": ours}))
    assert row.status == PROCESSED and row.outcome == "reply"
    assert row.verification == Verification.VERIFIED
    assert row.evidence[0]["check"] == "token" and row.evidence[0]["result"] == "pass"


def test_a_token_copied_from_someone_elses_mail_proves_nothing(
    deliver, alice, bob, agnes, run_on_commit, settings
):
    """Bob (same company: he may write on the ticket) sends alice's token as his own."""
    ticket = make_ticket(alice)
    ours = token_id(alice.email, run_on_commit, ticket, agnes)
    raw = build_mail(sender=bob.email, subject="Re: x", headers={"In-Reply-To": ours})
    row = deliver(raw)
    assert row.verification == Verification.UNVERIFIED
    assert {"check": "token", "result": "fail", "detail": "issued to another address"} in (
        row.evidence
    )
    # Policy "staff": a customer's unproven mail is accepted, marked.
    assert row.status == PROCESSED


def test_under_policy_all_an_unproven_customer_is_held(deliver, alice, settings):
    settings.ECMP_MAIL_VERIFY = "all"
    row = deliver(build_mail(subject="New printer"))
    assert row.status == HELD and row.reason == "unverified sender"


def test_under_policy_off_nothing_is_held_for_want_of_proof_but_it_is_marked(
    deliver, alice, agnes, settings
):
    settings.ECMP_MAIL_VERIFY = "off"
    ticket = make_ticket(alice)
    row = deliver(build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"))
    assert row.status == PROCESSED and row.verification == Verification.UNVERIFIED


def test_an_agent_replying_with_their_token_is_verified(deliver, alice, agnes, run_on_commit):
    ticket = run_on_commit(lambda: make_ticket(alice))
    # The "new ticket" notice carries agnes's own token.
    notice = OutboundEmail.objects.get(to=[agnes.email], ticket=ticket)
    raw = build_mail(
        sender=agnes.email, subject="Re: x", headers={"In-Reply-To": notice.message_id}
    )
    row = deliver(raw)
    assert row.status == PROCESSED and row.verification == Verification.VERIFIED
    assert ticket.messages.get().author == agnes


def test_a_plus_address_token_proves_the_sender(deliver, alice, agnes, run_on_commit, settings):
    settings.ECMP_MAIL_PLUS_ADDRESSING = True
    ticket = make_ticket(alice)
    run_on_commit(lambda: services.ticket_accept(ticket=ticket, actor=agnes))
    (reply_to,) = [m for m in mail.outbox if m.to == [alice.email]][-1].reply_to
    row = deliver(build_mail(to=reply_to, subject="Re: accepted"))
    assert row.outcome == "reply" and row.verification == Verification.VERIFIED
    forged = deliver(build_mail(sender=agnes.email, to=reply_to, subject="Re: accepted"))
    assert forged.status == HELD and forged.verification == Verification.UNVERIFIED


# --- Authentication-Results -----------------------------------------------------------


def agent_mail(agnes, ticket, results):
    return build_mail(
        sender=agnes.email,
        subject=f"Re: [#{ticket.number}] x",
        body="Fixed on our side.",
        headers={"Authentication-Results": results} if isinstance(results, str) else {},
    )


def with_headers(raw, *values):
    """Headers put at the top, as MTAs add theirs (the first given ends topmost)."""
    lines = b"".join(f"Authentication-Results: {v}\n".encode() for v in values)
    return lines + raw


def test_trusted_dmarc_pass_lets_an_agent_reply_by_mail(deliver, alice, agnes, trusted):
    ticket = make_ticket(alice)
    raw = with_headers(
        agent_mail(agnes, ticket, None),
        f"{trusted}; dkim=pass header.d=support.test; dmarc=pass header.from=support.test",
    )
    row = deliver(raw)
    assert row.status == PROCESSED and row.verification == Verification.VERIFIED
    message = ticket.messages.get()
    assert message.author == agnes and not message.internal


def test_results_from_another_server_are_ignored(deliver, alice, agnes, trusted):
    ticket = make_ticket(alice)
    raw = with_headers(agent_mail(agnes, ticket, None), "evil.test; dmarc=pass header.from=x")
    row = deliver(raw)
    assert row.status == HELD and row.verification == Verification.UNVERIFIED


def test_a_forged_trusted_header_below_another_servers_is_ignored(deliver, alice, agnes, trusted):
    ticket = make_ticket(alice)
    raw = with_headers(
        agent_mail(agnes, ticket, None),
        "relay.elsewhere.test; spf=pass smtp.mailfrom=evil.test",
        f"{trusted}; dmarc=pass header.from=support.test",
    )
    row = deliver(raw)
    assert row.status == HELD and row.verification == Verification.UNVERIFIED


def test_dkim_pass_of_another_domain_proves_nothing(deliver, alice, agnes, trusted):
    ticket = make_ticket(alice)
    raw = with_headers(agent_mail(agnes, ticket, None), f"{trusted}; dkim=pass header.d=evil.test")
    row = deliver(raw)
    assert row.status == HELD
    assert {"check": "dkim", "result": "pass", "detail": "d=evil.test (not the From domain)"} in (
        row.evidence
    )


def test_a_dmarc_fail_is_held_whatever_the_policy(deliver, alice, trusted, settings):
    settings.ECMP_MAIL_VERIFY = "off"
    raw = with_headers(build_mail(), f"{trusted}; dmarc=fail header.from=acme.test")
    row = deliver(raw)
    assert row.status == HELD and row.verification == Verification.FAILED
    assert row.reason == "sender authentication failed (DMARC)"


def test_results_are_ignored_without_a_trusted_server(deliver, alice, agnes):
    ticket = make_ticket(alice)
    raw = with_headers(agent_mail(agnes, ticket, None), "mx.ecmp.test; dmarc=pass")
    assert deliver(raw).status == HELD


def test_broken_authentication_results_are_ignored_without_error(deliver, alice, trusted):
    raw = with_headers(build_mail(), f"{trusted}; ;;; =dmarc", "\x00garbage")
    row = deliver(raw)
    assert row.status == PROCESSED and row.verification == Verification.UNVERIFIED


# --- DKIM checked here --------------------------------------------------------------------


@pytest.fixture
def dkim_key(monkeypatch, settings):
    settings.ECMP_MAIL_VERIFY_DKIM = True
    private, record = dkim_keypair()
    asked = []

    def dns(name, timeout=5):
        asked.append(name)
        return record if name == b"sel._domainkey.support.test." else None

    monkeypatch.setattr(verify, "DKIM_DNS", dns)
    return private, asked


def dkim_signed(raw, private, domain=b"support.test"):
    signature = dkim.sign(
        raw, b"sel", domain, private, include_headers=[b"from", b"subject", b"to"]
    )
    return signature + raw


def test_a_dkim_signed_agent_reply_is_verified_here(deliver, alice, agnes, dkim_key):
    private, asked = dkim_key
    ticket = make_ticket(alice)
    row = deliver(dkim_signed(agent_mail(agnes, ticket, None), private))
    assert asked == [b"sel._domainkey.support.test."]  # answered locally, no DNS
    assert row.status == PROCESSED and row.verification == Verification.VERIFIED
    assert row.evidence[-1]["check"] == "dkim-local"


def test_a_dkim_signature_broken_in_transit_proves_nothing(deliver, alice, agnes, dkim_key):
    private, _asked = dkim_key
    ticket = make_ticket(alice)
    signed = dkim_signed(agent_mail(agnes, ticket, None), private)
    row = deliver(signed.replace(b"Fixed on our side.", b"Run the macro."))
    assert row.status == HELD
    (local,) = [item for item in row.evidence if item["check"] == "dkim-local"]
    assert local["result"] == "fail" and local["detail"].startswith("d=support.test")


# --- Release ------------------------------------------------------------------------------


def test_an_agent_releases_their_own_held_reply_and_it_is_audited(deliver, alice, agnes):
    ticket = make_ticket(alice)
    row = deliver(build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"))
    assert row.status == HELD
    held_release(inbound=row, by=agnes)
    row.refresh_from_db()
    assert row.status == PROCESSED and row.ticket == ticket
    assert row.verification == Verification.UNVERIFIED  # the record stays as it was
    assert ticket.messages.get().author == agnes and row.reply == ticket.messages.get()
    decision = InboundDecision.objects.get()
    assert decision.actor == agnes and decision.action == "released"
    assert decision.verification == Verification.UNVERIFIED


def test_another_agent_may_not_release_mail_in_a_colleagues_name(
    deliver, alice, agnes, adam, client_for
):
    from tests.factories import AgentFactory

    other = AgentFactory(email="otto@support.test")
    ticket = make_ticket(alice)
    row = deliver(build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"))
    response = client_for(other).post(reverse("desk:mail-held-release", args=[row.pk]))
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == HELD and not ticket.messages.exists()
    # An admin may.
    response = client_for(adam).post(reverse("desk:mail-held-release", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == PROCESSED and ticket.messages.get().author == agnes


def test_release_refuses_what_is_held_for_another_reason(deliver, agnes, client_for, adam):
    row = deliver(build_mail(sender="stranger@elsewhere.test"))
    response = client_for(adam).post(reverse("desk:mail-held-release", args=[row.pk]))
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == HELD


# --- What the desk shows, and what the customer never sees -----------------------------


def test_the_desk_thread_marks_each_mailed_message_and_offers_the_original(
    deliver, alice, agnes, client_for, run_on_commit
):
    ticket = make_ticket(alice)
    ours = token_id(alice.email, run_on_commit, ticket, agnes)
    deliver(build_mail(subject="Re: x", body="Verified text", headers={"In-Reply-To": ours}))
    row = deliver(build_mail(subject=f"[#{ticket.number}]", body="Unproven text"))
    page = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    html = page.content.decode()
    assert "Verified sender" in html and "Sender not verified" in html
    original = reverse("desk:mail-inbound-original", args=[row.pk])
    assert original in html
    download = client_for(agnes).get(original)
    assert download.status_code == 200 and download["Content-Type"] == "message/rfc822"
    assert b"".join(download.streaming_content) == bytes(row.raw)
    # The customer sees neither the marks nor the original.
    portal = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert "Verified sender" not in portal.content.decode()
    assert "original" not in portal.content.decode().lower()
    assert client_for(alice).get(original).status_code in (302, 403, 404)


def test_the_held_message_page_shows_the_evidence_and_the_release(
    deliver, alice, agnes, client_for
):
    ticket = make_ticket(alice)
    row = deliver(
        build_mail(sender=agnes.email, subject=f"Re: [#{ticket.number}] x"),
        envelope_from="attacker@evil.test",
    )
    html = client_for(agnes).get(reverse("desk:mail-inbound", args=[row.pk])).content.decode()
    assert "Sender not verified" in html and "attacker@evil.test" in html
    assert reverse("desk:mail-held-release", args=[row.pk]) in html


# --- Mail that is not what it says -----------------------------------------------------------


def test_a_sender_header_naming_someone_else_is_held(deliver, alice):
    row = deliver(
        build_mail(headers={"Sender": "attacker@evil.test"}), envelope_from="attacker@evil.test"
    )
    assert row.status == HELD and "Sender" in row.reason
    # Held before any ticket is looked at, it has its verdict all the same.
    assert row.verification == Verification.UNVERIFIED
    assert row.evidence[-1] == {
        "check": "envelope",
        "result": "warning",
        "detail": "attacker@evil.test",
    }


def test_mail_without_a_usable_sender_is_held_not_ignored(deliver, db):
    raw = b"From: Just A Name\nTo: support@ecmp.localhost\nSubject: hi\n\nbody\n"
    row = deliver(raw)
    assert row.status == HELD and row.reason


def test_several_from_addresses_are_held(deliver, alice, bob):
    row = deliver(build_mail(sender="alice@acme.test, bob@acme.test"))
    assert row.status == HELD and row.reason == "several From addresses"


# --- Through mailgate, as an MTA's pipe delivers -----------------------------------------


def test_a_forged_agent_through_mailgate_is_held(file_database):  # noqa: F811
    from tests.test_mail_gateways import ROOT, mailgate

    number = manage_shell(
        file_database,
        "from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket;"
        "AgentFactory(email='agnes@support.test');"
        "u = UserFactory(email='alice@acme.test', organization=OrganizationFactory());"
        "print(make_ticket(u).number)",
    )
    raw = build_mail(sender="Agnes <agnes@support.test>", subject=f"Re: [#{number}] x")
    result = mailgate(raw, file_database, "--sender", "attacker@evil.test")
    assert result.returncode == 0, result.stderr
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "db_worker",
            "--batch",
            "--no-reload",
            "--queue-name",
            "*",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **file_database},
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    state = manage_shell(
        file_database,
        "from ecmp.mail.models import InboundEmail as I; from ecmp.tickets.models import Message;"
        "r = I.objects.get(); print(r.status, r.envelope_from, Message.objects.count())",
    )
    assert state == "held attacker@evil.test 0"
