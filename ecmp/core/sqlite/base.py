"""SQLite, with writers that take turns without sleeping whole milliseconds.

SQLite lets one writer at a time. A second process asking to write waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries: under load the
database sits idle while the waiting writers sleep, and two web processes write
no faster than one. Here a transaction's `BEGIN IMMEDIATE` is retried by us, every
tenth of a millisecond at first, until the same deadline as SQLite's timeout.
"""

from __future__ import annotations

import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

FIRST_PAUSE, LONGEST_PAUSE = 0.0001, 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = FIRST_PAUSE
        self.connection.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    super()._start_transaction_under_autocommit()
                    return
                except OperationalError as error:
                    if "locked" not in str(error) or time.monotonic() >= deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
        finally:
            self.connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
