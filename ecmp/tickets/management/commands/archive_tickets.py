"""Archive tickets closed for more than N days (also run hourly by the worker)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ecmp.tickets.services import tickets_archive_closed


class Command(BaseCommand):
    help = "Archive tickets closed for more than --days days (default: ECMP_ARCHIVE_AFTER_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=settings.ECMP_ARCHIVE_AFTER_DAYS)

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        count = tickets_archive_closed(older_than_days=days)
        self.stdout.write(f"{count} ticket(s) archived.")
