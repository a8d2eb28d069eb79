"""The support team's digest: held mail and registration requests that wait for them.

A periodic job (`staff-digest`, registered by MailConfig.ready()) every hour, or every
minute when ECMP_STAFF_DIGEST=immediately, off when it is off. Each run emails every
active agent and admin, only when something came since the last digest; the last
digest is its own email in the outbox (no other state to keep).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from ecmp.accounts.models import STAFF_ROLES, RegistrationRequest, User
from ecmp.accounts.selectors import registration_request_list_for_staff
from ecmp.mail import outbound
from ecmp.mail.models import OutboundEmail
from ecmp.mail.selectors import inbound_list_for_staff

# ECMP_STAFF_DIGEST -> the job's period in seconds (None: no job).
PERIODS: dict[str, int | None] = {"immediately": 60, "hourly": 3600, "off": None}


def staff_digest_period() -> int | None:
    return PERIODS[settings.ECMP_STAFF_DIGEST]


def staff_digest_send(*, now: datetime | None = None) -> int:
    """Email the digest to every active agent and admin if held mail or a registration
    request came since the last one; the number of emails."""
    period = staff_digest_period()
    if period is None:
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        last = OutboundEmail.objects.filter(kind=outbound.STAFF_DIGEST).aggregate(
            last=Max("created_at")
        )["last"]
        since = last or now - timedelta(seconds=period)
        held = inbound_list_for_staff("held").filter(received_at__lte=now)
        pending = registration_request_list_for_staff(
            status=RegistrationRequest.Status.PENDING
        ).filter(created_at__lte=now)
        counts = {
            "held": held.count(),
            "held_new": held.filter(received_at__gt=since).count(),
            "pending": pending.count(),
            "pending_new": pending.filter(created_at__gt=since).count(),
        }
        if not (counts["held_new"] or counts["pending_new"]):
            return 0
        agents = list(User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("pk"))
        return outbound.send_staff_digest(agents, counts, at=now)


@task(queue_name="mail")
def staff_digest() -> int:
    return staff_digest_send()
