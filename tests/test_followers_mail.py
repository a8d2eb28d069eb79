"""Followers and mail (issue 18 §4): their emails with their own reply tokens, their
notifications, their replies by mail, colleagues copied on a customer's email; and
internal notes reach no follower by any path."""

import pytest
from django.urls import reverse

from ecmp.mail.ids import reply_tokens
from ecmp.mail.inbound.copies import NO_LONGER_FOLLOWS
from ecmp.mail.models import InboundEmail, OutboundEmail, Verification
from ecmp.notifications.models import Notification
from ecmp.tickets import services
from ecmp.tickets.models import EventKind, Ticket, TicketFollower
from ecmp.tickets.services.followers import follower_add, follower_remove
from ecmp.tickets.status import Status
from tests.factories import AgentFactory, UserFactory, make_ticket, upload
from tests.mailtools import build_mail

HELD, PROCESSED = InboundEmail.Status.HELD, InboundEmail.Status.PROCESSED
TRUSTED = "mx.ecmp.test"


@pytest.fixture
def dave(acme):
    return UserFactory(email="dave@acme.test", full_name="Dave Petit", organization=acme)


@pytest.fixture
def followed(bob, dave, run_on_commit):
    """Bob's ticket, which Dave follows (added by Bob)."""
    ticket = make_ticket(bob, subject="VPN drops")
    run_on_commit(lambda: follower_add(ticket=ticket, user=dave, by=bob))
    return ticket


def emails_to(address, **filters):
    return list(OutboundEmail.objects.filter(to=[address], **filters).order_by("id"))


def notified(user, ticket):
    return Notification.objects.filter(recipient=user, ticket=ticket)


# --- Emails and notifications ----------------------------------------------------------


def test_the_added_colleague_is_told_by_email_and_notification(followed, dave, bob):
    (email,) = emails_to(dave.email)
    assert email.kind == "ticket_follower_added" and "Bob Durand added you" in email.text
    assert reverse("portal:ticket-detail", args=[followed.number]) in email.text
    assert notified(dave, followed).get().event.kind == EventKind.FOLLOWER_ADDED
    assert not emails_to(bob.email, kind="ticket_follower_added")  # the one who acted


def test_an_agent_reply_reaches_requester_and_follower_each_with_their_own_token(
    followed, bob, dave, agnes, run_on_commit
):
    run_on_commit(
        lambda: services.ticket_reply(ticket=followed, author=agnes, body="Update the client")
    )
    (to_bob,) = emails_to(bob.email, kind="ticket_reply")
    (to_dave,) = emails_to(dave.email, kind="ticket_reply")
    assert "Update the client" in to_dave.text and "Hello" not in to_dave.subject
    # Each token proves its own recipient only.
    assert reply_tokens(dave.email, [to_dave.message_id], []) == ({followed.number}, False)
    assert reply_tokens(dave.email, [to_bob.message_id], []) == (set(), True)
    assert notified(dave, followed).filter(event__kind=EventKind.REPLIED).count() == 1
    assert notified(bob, followed).filter(event__kind=EventKind.REPLIED).count() == 1


def test_accept_and_close_reach_the_follower_once(followed, dave, agnes, run_on_commit):
    run_on_commit(lambda: services.ticket_accept(ticket=followed, actor=agnes))
    run_on_commit(
        lambda: services.ticket_transition(
            ticket=followed, actor=agnes, status=Status.CLOSED, note="Replaced the router"
        )
    )
    kinds = [email.kind for email in emails_to(dave.email)]
    assert kinds == ["ticket_follower_added", "ticket_accepted", "ticket_closed"]
    assert "Replaced the router" in emails_to(dave.email, kind="ticket_closed")[0].text


def test_internal_notes_reach_no_follower_by_any_path(
    client_for, followed, dave, agnes, run_on_commit
):
    note = run_on_commit(
        lambda: services.ticket_reply(
            ticket=followed,
            author=agnes,
            body="Customer's firewall is a mess",
            internal=True,
            files=[upload("secret.png")],
        )
    )
    assert [email.kind for email in emails_to(dave.email)] == ["ticket_follower_added"]
    assert not notified(dave, followed).filter(event__kind=EventKind.NOTE).exists()
    client = client_for(dave)
    page = client.get(reverse("portal:ticket-detail", args=[followed.number])).content.decode()
    assert "firewall is a mess" not in page and "secret.png" not in page
    secret = note.attachments.get()
    url = reverse("portal:attachment-download", args=[followed.number, secret.pk])
    assert client.get(url).status_code == 404
    notifications = client.get(reverse("portal:notifications")).content.decode()
    assert "Internal note" not in notifications


def test_a_follower_replying_on_the_web_is_not_mailed_to_customers(
    client_for, followed, bob, dave, agnes, run_on_commit
):
    """As for the requester's colleagues: the support team hears, not the requester."""
    run_on_commit(
        lambda: client_for(dave).post(
            reverse("portal:ticket-reply", args=[followed.number]), {"body": "Still broken"}
        )
    )
    assert not emails_to(bob.email, kind="ticket_reply")
    assert emails_to(agnes.email, kind="agent_customer_reply")
    assert not notified(bob, followed).filter(event__kind=EventKind.REPLIED).exists()


def test_an_agent_who_follows_hears_what_the_assignee_hears(
    followed, bob, agnes, adam, run_on_commit
):
    services.ticket_assign(ticket=followed, actor=adam, assignee=adam)
    run_on_commit(lambda: follower_add(ticket=followed, user=agnes, by=agnes))
    OutboundEmail.objects.all().delete()
    run_on_commit(lambda: services.ticket_reply(ticket=followed, author=bob, body="Any news?"))
    assert len(emails_to(agnes.email, kind="agent_customer_reply")) == 1
    assert len(emails_to(adam.email, kind="agent_customer_reply")) == 1
    assert notified(agnes, followed).filter(event__kind=EventKind.REPLIED).count() == 1
    # The assignee who also follows gets one email, not two; never their own.
    run_on_commit(lambda: follower_add(ticket=followed, user=adam, by=adam))
    OutboundEmail.objects.all().delete()
    run_on_commit(lambda: services.ticket_reply(ticket=followed, author=bob, body="Hello?"))
    assert len(emails_to(adam.email)) == 1
    run_on_commit(lambda: services.ticket_reply(ticket=followed, author=agnes, body="On it"))
    assert not emails_to(agnes.email, kind="ticket_reply")


def test_an_agents_own_follow_sends_nothing_to_customers(followed, bob, dave, agnes, run_on_commit):
    before = OutboundEmail.objects.count()
    run_on_commit(lambda: follower_add(ticket=followed, user=agnes, by=agnes))
    assert OutboundEmail.objects.count() == before
    assert not Notification.objects.filter(event__kind=EventKind.FOLLOWER_ADDED, recipient=bob)


def test_a_removed_follower_gets_nothing_more(followed, bob, dave, agnes, run_on_commit):
    run_on_commit(lambda: follower_remove(ticket=followed, user=dave, by=bob))
    run_on_commit(lambda: services.ticket_reply(ticket=followed, author=agnes, body="Fixed"))
    assert not emails_to(dave.email, kind="ticket_reply")
    assert emails_to(bob.email, kind="ticket_reply")


def test_a_deactivated_follower_gets_no_mail(followed, dave, agnes, run_on_commit):
    dave.is_active = False
    dave.save()
    run_on_commit(lambda: services.ticket_reply(ticket=followed, author=agnes, body="Fixed"))
    assert not emails_to(dave.email, kind="ticket_reply")


# --- Replies by mail -------------------------------------------------------------------


def agent_reply_to(ticket, agent, person, run_on_commit):
    run_on_commit(lambda: services.ticket_reply(ticket=ticket, author=agent, body="Which model?"))
    return emails_to(person.email, kind="ticket_reply")[-1].message_id


def test_a_follower_replies_by_mail_with_their_token(deliver, followed, dave, agnes, run_on_commit):
    ours = agent_reply_to(followed, agnes, dave, run_on_commit)
    raw = build_mail(
        sender=dave.email,
        subject="Re: VPN drops",
        body="It is a Cisco.",
        headers={"In-Reply-To": ours, "References": ours},
    )
    row = deliver(raw)
    assert row.status == PROCESSED and row.outcome == "reply" and row.ticket == followed
    assert row.verification == Verification.VERIFIED
    assert followed.messages.get(body="It is a Cisco.").author == dave


def test_a_removed_follower_replying_with_an_old_token_is_held(
    deliver, followed, bob, dave, agnes, run_on_commit
):
    ours = agent_reply_to(followed, agnes, dave, run_on_commit)
    follower_remove(ticket=followed, user=dave, by=bob)
    raw = build_mail(
        sender=dave.email, subject="Re: VPN drops", body="Let me in", headers={"In-Reply-To": ours}
    )
    row = deliver(raw)
    assert row.status == HELD and row.reason == NO_LONGER_FOLLOWS
    assert not followed.messages.filter(body__contains="Let me in").exists()
    assert Ticket.objects.count() == 1


# --- Colleagues copied on a customer's email -----------------------------------------------


def proven(raw, domain="acme.test"):
    """The message as our trusted boundary MTA hands it on: DMARC pass for its domain."""
    return f"Authentication-Results: {TRUSTED}; dmarc=pass header.from={domain}\n".encode() + raw


def test_a_copied_colleague_follows_a_new_ticket_and_others_are_ignored(
    deliver, settings, bob, dave, carol, agnes
):
    settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID = TRUSTED
    raw = build_mail(
        sender=bob.email,
        subject="Screens flicker",
        headers={"Cc": f"Dave <{dave.email}>, {carol.email}, stranger@acme.test, {agnes.email}"},
    )
    row = deliver(proven(raw))
    assert row.outcome == "ticket_created" and row.verification == Verification.VERIFIED
    ticket = row.ticket
    assert list(TicketFollower.objects.values_list("user", flat=True)) == [dave.pk]
    (email,) = emails_to(dave.email)
    assert email.kind == "ticket_follower_added"  # not the requester's acknowledgement
    assert not emails_to(carol.email) and not emails_to("stranger@acme.test")
    assert ticket.events.filter(kind=EventKind.FOLLOWER_ADDED).count() == 1


def test_copied_colleagues_on_an_unproven_email_are_ignored(deliver, bob, dave):
    row = deliver(build_mail(sender=bob.email, headers={"Cc": dave.email}))
    assert row.outcome == "ticket_created" and row.verification == Verification.UNVERIFIED
    assert not TicketFollower.objects.exists()


def test_a_copied_colleague_on_a_proven_reply_follows(
    deliver, followed, bob, alice, agnes, run_on_commit
):
    ours = agent_reply_to(followed, agnes, bob, run_on_commit)
    raw = build_mail(
        sender=bob.email,
        subject="Re: VPN drops",
        body="Alice should know.",
        headers={"In-Reply-To": ours, "Cc": alice.email},
    )
    row = deliver(raw)
    assert row.outcome == "reply" and row.verification == Verification.VERIFIED
    assert TicketFollower.objects.filter(ticket=followed, user=alice).exists()


def test_a_copied_inactive_colleague_or_an_agent_is_not_made_a_follower(
    deliver, settings, bob, dave
):
    settings.ECMP_MAIL_TRUSTED_AUTHSERV_ID = TRUSTED
    dave.is_active = False
    dave.save()
    agent = AgentFactory(email="helper@acme.test")
    raw = build_mail(sender=bob.email, headers={"Cc": f"{dave.email}, {agent.email}"})
    row = deliver(proven(raw))
    assert row.outcome == "ticket_created"
    assert not TicketFollower.objects.exists()
