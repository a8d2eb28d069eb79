"""SQLite, with writers that take turns without sleeping whole milliseconds.

SQLite lets one writer at a time. A process asking to write while another writes
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10… 100 ms between tries:
under load the database sits idle while the waiting writers sleep (a web page's
write behind a worker's batch, mail being stored while it is processed). Here
SQLite's handler is off and a statement that starts a transaction, or writes
outside one, is tried again by us: every tenth of a millisecond at first, never
less often than every millisecond, until the same deadline (`timeout`).
"""

from __future__ import annotations

import sqlite3
import time
from functools import lru_cache

from django.db.backends.sqlite3 import base

FIRST_PAUSE, LONGEST_PAUSE = 0.0001, 0.001


def _patiently(cursor: RetryingCursor, attempt):
    # Inside a transaction this connection already holds what it needs (IMMEDIATE
    # transactions take the write lock at BEGIN): an error there is not ours to retry.
    if cursor.connection.in_transaction:
        return attempt()
    deadline = time.monotonic() + cursor.patience
    pause = FIRST_PAUSE
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as error:
            # Not "database table is locked": that is this connection's own doing.
            if str(error) != "database is locked" or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


@lru_cache(maxsize=2048)
def _qmark_style(query: str) -> str:
    # Django's conversion ("%s" to "?"), a regular expression over the whole statement
    # on every execute (10-30 µs for a page's larger reads): the same statements come
    # back on every page. SQL text only, never values (they are parameters); bounded.
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class RetryingCursor(base.SQLiteCursorWrapper):
    patience = 5.0  # seconds; each cursor takes the database's `timeout` option

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)

    def execute(self, query, params=None):
        return _patiently(self, lambda: super(RetryingCursor, self).execute(query, params))

    def executemany(self, query, param_list):
        # In a transaction, or with autocommit off (sqlite3 then opens one itself).
        if self.connection.in_transaction or self.connection.isolation_level is not None:
            return super().executemany(query, param_list)
        # Outside a transaction each row would be committed alone, and trying again
        # would write the first rows twice: all go in one transaction, whose BEGIN
        # is what waits for the other writers.
        self.execute("BEGIN IMMEDIATE")
        try:
            result = super().executemany(query, param_list)
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()
        return result


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.execute("PRAGMA busy_timeout = 0")
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=RetryingCursor)
        cursor.patience = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        return cursor
