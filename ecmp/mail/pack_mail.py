"""Alerts on a client's prepaid hours (80 %, 100 % used), installed into
billing/mailer.py: one email per address, each in its reader's language."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from ecmp.accounts.models import Organization, User
from ecmp.accounts.selectors import reading_language
from ecmp.billing.duration import format_duration
from ecmp.core.links import absolute_url
from ecmp.mail.outbound import queue_email


def send_hour_pack_alert(
    organization: Organization,
    *,
    level: int,
    minutes_left: int,
    customers: Sequence[str],
    agents: Sequence[User],
) -> None:
    """The billing contacts read the balance in the portal, the agents on the desk.
    A contact with an account reads it in their language, else in the site's."""
    language_of = reading_language(customers)
    context = {
        "organization": organization,
        "level": level,
        "left": format_duration(minutes_left) if minutes_left else "0",
        "used_up": level >= 100,
    }
    portal = absolute_url(reverse("portal:hour-packs"))
    for address in dict.fromkeys(customers):
        queue_email(
            kind="hour_pack_alert",
            to=address,
            template="hour_pack_alert",
            language=language_of(address),
            context={**context, "link": portal, "customer": True},
        )
    desk = absolute_url(reverse("desk:hour-packs", args=[organization.pk]))
    for agent in agents:
        queue_email(
            kind="hour_pack_alert",
            to=agent.email,
            template="hour_pack_alert",
            language=agent.language,
            context={**context, "link": desk, "customer": False},
        )
