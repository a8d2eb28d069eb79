"""The emails of a removal request, written by the mail app that sits above accounts.

As `mailer.py` for the other account emails: mail installs them from
MailConfig.ready() (`mail/removal_mail.py`); the services call them inside their
transaction, so a failure undoes the decision too.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from ecmp.accounts.removal_models import RemovalRequest


class RemovalMailer(Protocol):
    def send_removal_answered(self, request: RemovalRequest) -> None:
        """To the manager who asked: approved, or declined with the reason."""

    def send_account_closed(self, request: RemovalRequest) -> None:
        """To the person removed: their account is closed, and whom to ask about it."""


_installed: list[RemovalMailer] = []


def removal_mailer_install(mailer: RemovalMailer) -> None:
    _installed[:] = [mailer]


def removal_mailer() -> RemovalMailer:
    if not _installed:
        raise ImproperlyConfigured("No removal mailer: is ecmp.mail in INSTALLED_APPS?")
    return _installed[0]
