"""The emails accounts sends, written by the mail app that sits above it.

Accounts may not import mail (docs/architecture.md, "Layers"), so mail installs
itself here from MailConfig.ready(): its `outbound` module is the mailer, and each
kind of email stays one function there. A direct call rather than an event: the
email is queued inside the calling service's transaction, and its failure undoes
the change and its audit record, as before.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from ecmp.accounts.models import Invitation, RegistrationRequest, User


class AccountsMailer(Protocol):
    def send_invitation(self, invitation: Invitation, token: str) -> None: ...

    def send_password_reset(self, user: User, link: str) -> None: ...

    def send_signin_alert(self, user: User, unlock_token: str) -> None: ...

    def send_registration_answered(self, request: RegistrationRequest) -> None: ...


_installed: list[AccountsMailer] = []


def mailer_install(mailer: AccountsMailer) -> None:
    _installed[:] = [mailer]


def mailer() -> AccountsMailer:
    if not _installed:
        raise ImproperlyConfigured("No accounts mailer: is ecmp.mail in INSTALLED_APPS?")
    return _installed[0]
