"""Accounts work in the worker: the password reset email."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from ecmp.accounts.audit import audit_record
from ecmp.accounts.mailer import mailer
from ecmp.accounts.models import AuditEvent, User
from ecmp.core.links import absolute_url


@task(queue_name="mail")
def password_reset_send(email: str, address: str | None = None) -> int:
    """Send a reset link to the active account of `email`, if there is one (how many
    were sent: 0 or 1). Looked up here, not in the request: see accounts/credentials.py.
    `address` is the requester's, for the audit log (the worker has no request)."""
    sent = 0
    users = User.objects.filter(email=email, is_active=True).select_related("organization")
    for user in users:
        if not user.has_usable_password() or (user.organization and not user.organization.active):
            continue
        link = absolute_url(
            reverse(
                "accounts:password-reset-confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
        )
        with transaction.atomic():
            mailer().send_password_reset(user, link)
            audit_record(
                AuditEvent.Kind.PASSWORD_RESET_REQUESTED,
                target=user,
                address=address,
                detail="reset link emailed",
            )
        sent += 1
    return sent
