"""The lost-device path of last resort: the only admin lost their phone and codes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecmp.accounts import twofactor
from ecmp.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a person's second factor (authenticator app and backup codes); "
        "they set it up again at their next sign-in. Recorded in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the person's email address")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"nobody signs in as {email}")
        twofactor.two_factor_reset(user=user, by=None, detail="from the command line")
        self.stdout.write(f"Two-factor authentication reset for {user.email}.")
