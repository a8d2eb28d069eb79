"""SQLite's writers take turns through our retries (ecmp/core/sqlite): a write that
finds another process writing waits for it, up to the database's timeout."""

import sqlite3
import threading
import time

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from ecmp.accounts.models import Organization

# PostgreSQL locks rows, it has no single writer: these run on SQLite only.
pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


def hold_the_write_lock(seconds, holding):
    def writer():
        from django.db import connection as own  # this thread's own connection

        with transaction.atomic():
            Organization.objects.create(name="Holder")
            holding.set()
            time.sleep(seconds)
        own.close()

    thread = threading.Thread(target=writer)
    thread.start()
    holding.wait(5)
    return thread


def test_a_writer_waits_for_the_other_and_goes_through():
    holding = threading.Event()
    thread = hold_the_write_lock(0.3, holding)
    started = time.monotonic()
    Organization.objects.create(name="Autocommit write")  # outside a transaction
    with transaction.atomic():  # BEGIN IMMEDIATE
        Organization.objects.create(name="Transaction")
    waited = time.monotonic() - started
    thread.join()
    assert waited >= 0.2
    assert set(Organization.objects.values_list("name", flat=True)) == {
        "Holder",
        "Autocommit write",
        "Transaction",
    }


def test_past_the_timeout_the_write_fails_and_changes_nothing(monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.05)
    holding = threading.Event()
    thread = hold_the_write_lock(0.5, holding)
    with pytest.raises(OperationalError, match="locked"), transaction.atomic():
        Organization.objects.create(name="Too late")
    thread.join()
    assert list(Organization.objects.values_list("name", flat=True)) == ["Holder"]


@pytest.fixture
def rows_table():
    """A scratch table `rows (n integer UNIQUE)`; `rows_table()` reads it back."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE rows (n integer UNIQUE)")

    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT n FROM rows ORDER BY rowid")
            return [n for (n,) in cursor.fetchall()]

    yield read
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE rows")


def insert_many(values):
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO rows (n) VALUES (%s)", values)


def test_many_rows_written_outside_a_transaction_go_in_once_and_together(rows_table):
    """(Found in review.) Row after row, each committed alone, a writer coming in
    between made the retry write the first rows twice. Now the rows go in one
    transaction: another writer cannot come in between."""
    path = connection.settings_dict["NAME"]
    others_tried = []

    class Row:
        def __init__(self, value):
            self.value = value

        def __conform__(self, protocol):
            if self.value == 3:  # between two rows, another process wants to write
                other = sqlite3.connect(path, timeout=0, isolation_level=None)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    others_tried.append("got in")
                    other.execute("COMMIT")
                except sqlite3.OperationalError as error:
                    others_tried.append(str(error))
                finally:
                    other.close()
            return self.value

    holding = threading.Event()
    thread = hold_the_write_lock(0.2, holding)  # and someone writes as we start
    insert_many([(Row(n),) for n in (1, 2, 3)])
    thread.join()
    assert rows_table() == [1, 2, 3]
    assert others_tried == ["database is locked"]


def test_executemany_with_autocommit_off_is_undone_by_rollback(rows_table):
    """(Found in review.) Django's manual transactions (set_autocommit(False)):
    nothing is committed until the caller commits, not by a COMMIT of ours."""
    transaction.set_autocommit(False)
    try:
        insert_many([(1,), (2,)])
        transaction.rollback()
    finally:
        transaction.set_autocommit(True)
    assert rows_table() == []


def test_executemany_inside_atomic_is_rolled_back_with_it(rows_table):
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_many([(1,), (2,)])
        with transaction.atomic():
            insert_many([(3,)])
        raise RuntimeError
    assert rows_table() == []
    # Outside, in autocommit: committed, and Django's state is intact.
    insert_many(iter([(4,), (5,)]))
    assert connection.get_autocommit() and not connection.connection.in_transaction
    assert rows_table() == [4, 5]


def test_executemany_error_outside_a_transaction_leaves_nothing_open(rows_table):
    with pytest.raises(IntegrityError):
        insert_many([(1,), (1,)])
    assert not connection.connection.in_transaction
    assert rows_table() == []


def test_statements_are_converted_as_django_converts_them():
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    statements = [
        "SELECT 1",
        'SELECT "a" FROM "t" WHERE "b" = %s AND "c" IN (%s, %s)',
        "SELECT '100%%' WHERE x LIKE %s ESCAPE '\\'",
        "SELECT %%s, %s",
    ]
    with connection.cursor() as wrapper:
        ours = wrapper.cursor
        assert type(ours).__name__ == "RetryingCursor"
        for sql in statements * 2:  # the second time from the memo
            assert ours.convert_query(sql) == SQLiteCursorWrapper.convert_query(ours, sql)
        named = "SELECT %(a)s, %(b)s"
        assert ours.convert_query(named, param_names=["a", "b"]) == "SELECT :a, :b"
