"""Read one message on standard input and store it, for an MTA's pipe transport.

Exit codes follow sendmail's: 0 stored (or already stored), 75 (EX_TEMPFAIL) on a
temporary failure so that the MTA tries again (the database away, strangers' held
mail full), 65 (EX_DATAERR) when the message can never be accepted (empty, too
large, its sender over their own quota): the MTA then bounces it to its sender.

Postfix's pipe passes the envelope: `mailgate --sender ${sender} --recipient ${recipient}`.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from ecmp.mail.inbound.pipeline import MessageRefused, inbound_store

EX_OK, EX_DATAERR, EX_TEMPFAIL = 0, 65, 75


class Command(BaseCommand):
    help = "Store one email read on standard input (for an MTA pipe transport)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recipient", action="append", default=[], help="envelope recipient")
        parser.add_argument(
            "--sender", default=None, help="envelope sender (MAIL FROM; empty for a bounce)"
        )

    def handle(self, *args: Any, recipient: list[str], sender: str | None, **options: Any) -> None:
        raw = sys.stdin.buffer.read()
        try:
            row, created = inbound_store(
                raw, source="mailgate", envelope_to=recipient, envelope_from=sender
            )
        except MessageRefused as refusal:
            self.stderr.write(f"refused: {refusal}")
            sys.exit(EX_TEMPFAIL if refusal.temporary else EX_DATAERR)
        except DatabaseError as error:
            self.stderr.write(f"temporary failure: {error}")
            sys.exit(EX_TEMPFAIL)
        if options["verbosity"] > 1:
            self.stdout.write(f"{'stored' if created else 'already stored'} as {row.pk}")
        sys.exit(EX_OK)
