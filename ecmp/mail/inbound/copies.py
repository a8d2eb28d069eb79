"""Inbound mail and followers (issue 18 §4), for route.py.

- The registered, active colleagues (same organization) a customer copies on a
  proven email (new ticket or reply) follow its ticket. An unregistered address, a
  person of another organization, an agent: ignored, never given access.
- A reply whose sender holds a valid reply token for a ticket they no longer see (a
  follower since removed) is held for an agent rather than opening a ticket of its
  own: the token once proved them, it no longer lets them in.
"""

from __future__ import annotations

from ecmp.accounts.models import Role, User
from ecmp.mail.ids import is_our_address
from ecmp.mail.inbound.parse import ParsedMail
from ecmp.mail.inbound.verify import Verdict
from ecmp.tickets.models import Ticket
from ecmp.tickets.services.followers import followers_add_copied

# More copied addresses than this are not looked at (one query, bounded).
MAX_COPIED = 50

NO_LONGER_FOLLOWS = "a reply to a ticket its sender no longer follows"


def copied_colleagues(mail: ParsedMail, sender: User) -> list[User]:
    """The active customers of the sender's organization among the message's other
    recipients (To, Cc). One query, and none when nobody else is addressed."""
    if not sender.is_customer or sender.organization_id is None:
        return []
    addresses = {
        address
        for address in mail.recipients
        if address != sender.email and not is_our_address(address)
    }
    if not addresses:
        return []
    return list(
        User.objects.filter(
            email__in=sorted(addresses)[:MAX_COPIED],
            organization_id=sender.organization_id,
            role=Role.CUSTOMER,
            is_active=True,
        )
    )


def follow_copied(mail: ParsedMail, sender: User, verdict: Verdict, ticket: Ticket | None) -> None:
    """The colleagues copied on a proven message follow `ticket` (what it made)."""
    if ticket is None or not verdict.verified:
        return
    people = copied_colleagues(mail, sender)
    if people:
        followers_add_copied(ticket=ticket, by=sender, people=people)


def follower_gone_hold(verdict: Verdict, sender: User | None, ticket: Ticket | None) -> str:
    """Why a customer's message waits for an agent: it answers, with their own reply
    token, a ticket they may no longer see; "" otherwise."""
    if ticket is not None or sender is None or not sender.is_active or sender.is_support_staff:
        return ""
    return NO_LONGER_FOLLOWS if verdict.token_tickets else ""
