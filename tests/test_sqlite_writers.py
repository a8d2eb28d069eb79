"""SQLite's writers take turns through our retries (ecmp/core/sqlite): a write that
finds another process writing waits for it, up to the database's timeout."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

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
