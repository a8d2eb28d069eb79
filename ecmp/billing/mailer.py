"""The emails billing sends (invoices, reminders, hour-pack alerts), written by the
mail app that sits above it.

Billing may not import mail (docs/architecture.md, "Layers"), so mail installs
itself here from MailConfig.ready(), as for accounts (accounts/mailer.py): a direct
call inside the calling service's transaction, so that the email and the change it
announces are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from ecmp.accounts.models import Organization, User
    from ecmp.billing.models import Invoice

# (file name, bytes, content type)
File = tuple[str, bytes, str]


class BillingMailer(Protocol):
    def send_invoice(
        self, invoice: Invoice, to: Sequence[str], files: Sequence[File], *, reminder: bool
    ) -> None:
        """The invoice (or a reminder of it) with its files, one email per address."""

    def send_hour_pack_alert(
        self,
        organization: Organization,
        *,
        level: int,
        minutes_left: int,
        customers: Sequence[str],
        agents: Sequence[User],
    ) -> None:
        """The client's prepaid hours have reached `level` percent used."""


_installed: list[BillingMailer] = []


def billing_mailer_install(mailer: BillingMailer) -> None:
    _installed[:] = [mailer]


def billing_mailer() -> BillingMailer:
    if not _installed:
        raise ImproperlyConfigured("No billing mailer: is ecmp.mail in INSTALLED_APPS?")
    return _installed[0]
