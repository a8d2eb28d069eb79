"""The emails of a removal request (accounts/removals.py), installed into
accounts/removal_mailer.py by MailConfig.ready(); each in its recipient's language."""

from __future__ import annotations

from django.urls import reverse

from ecmp.accounts.removal_models import RemovalRequest
from ecmp.core.links import absolute_url
from ecmp.mail.outbound import queue_email


def send_removal_answered(request: RemovalRequest) -> None:
    """To the manager who asked: the person's account is closed, or why not."""
    manager = request.requested_by
    queue_email(
        kind="removal_answered",
        to=manager.email,
        template="removal_answered",
        language=manager.language,
        context={
            "manager": manager,
            "request": request,
            "person": request.person,
            "link": absolute_url(reverse("portal:team-requests")),
        },
    )


def send_account_closed(request: RemovalRequest) -> None:
    """To the person removed: their account is closed at their company's request."""
    person = request.person
    queue_email(
        kind="account_closed",
        to=person.email,
        template="account_closed",
        language=person.language,
        context={"person": person, "organization": request.organization},
    )
