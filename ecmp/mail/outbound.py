"""One function per kind of email. Each renders in the recipient's language and
hands the message to the worker once the current transaction has committed.

(The outbox table with retries comes with the email gateway; until then a
failed delivery stays visible as a failed task.)
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ecmp.accounts.models import Invitation, RegistrationRequest, User
from ecmp.mail.tasks import deliver_email


def absolute_url(path: str) -> str:
    return f"{settings.ECMP_BASE_URL}{path}"


def _send_later(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    headers: dict[str, str] | None = None,
) -> None:
    context = {"company_name": settings.ECMP_COMPANY_NAME, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    transaction.on_commit(
        partial(
            deliver_email.enqueue,
            to=[to],
            subject=subject,
            text=text,
            html=html,
            headers=headers or {},
        )
    )


def send_invitation(invitation: Invitation, token: str) -> None:
    user = invitation.user
    _send_later(
        to=user.email,
        template="invitation",
        language=user.language,
        context={
            "user": user,
            "link": absolute_url(reverse("accounts:activate", args=[token])),
            "expires_at": invitation.expires_at,
        },
        headers={"Auto-Submitted": "auto-generated"},
    )


def send_password_reset(user: User, link: str) -> None:
    _send_later(
        to=user.email,
        template="password_reset",
        language=user.language,
        context={"user": user, "link": link},
        headers={"Auto-Submitted": "auto-generated"},
    )


def send_registration_answered(request: RegistrationRequest) -> None:
    manager = request.requested_by
    _send_later(
        to=manager.email,
        template="registration_answered",
        language=manager.language,
        context={
            "manager": manager,
            "request": request,
            "link": absolute_url(reverse("portal:team-requests")),
        },
        headers={"Auto-Submitted": "auto-generated"},
    )
