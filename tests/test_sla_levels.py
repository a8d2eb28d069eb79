"""The service levels kept per process (ecmp/sla/selectors.py) never outlive a change:
neither levels read inside a transaction that is rolled back, nor a copy read while a
change was being committed (found in review)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ecmp.sla import selectors, services
from ecmp.sla.models import SlaTarget
from ecmp.tickets.status import Priority
from tests.factories import make_ticket


@pytest.mark.django_db(transaction=True)
def test_levels_of_a_rolled_back_transaction_are_not_kept(alice, adam):
    before = SlaTarget.objects.get(priority=Priority.NORMAL).first_response_minutes
    with pytest.raises(RuntimeError), transaction.atomic():
        services.sla_target_update(
            by=adam,
            priority=Priority.NORMAL,
            first_response_hours=Decimal("0.5"),
            resolution_hours=Decimal("16"),
        )
        make_ticket(alice, priority=Priority.NORMAL)  # reads the levels in the transaction
        raise RuntimeError("something later fails: all rolled back")

    assert SlaTarget.objects.get(priority=Priority.NORMAL).first_response_minutes == before
    # Not the target that was never committed.
    assert selectors.sla_target_for(Priority.NORMAL).first_response_minutes == before


@pytest.mark.django_db(transaction=True)
def test_a_read_that_straddles_the_commit_does_not_outlive_it(adam, monkeypatch):
    import threading

    from django.db import connections

    real_calendar = selectors.BusinessCalendar
    read, committed = threading.Event(), threading.Event()

    def slow_calendar(**kwargs):
        if threading.current_thread().name == "reader":
            read.set()  # the targets are read (before the admin's commit)...
            committed.wait(5)  # ...and kept after it
        return real_calendar(**kwargs)

    monkeypatch.setattr(selectors, "BusinessCalendar", slow_calendar)

    def reader():
        selectors.sla_target_for(Priority.NORMAL)  # a ticket being created in another thread
        connections.close_all()

    thread = threading.Thread(target=reader, name="reader")
    thread.start()
    assert read.wait(5)
    services.sla_target_update(
        by=adam,
        priority=Priority.NORMAL,
        first_response_hours=Decimal("0.5"),
        resolution_hours=Decimal("16"),
    )
    committed.set()
    thread.join()
    # The process that made the change has it at once, not the reader's old copy.
    assert selectors.sla_target_for(Priority.NORMAL).first_response_minutes == 30


@pytest.mark.django_db(transaction=True)
def test_after_its_change_is_committed_the_admins_thread_keeps_the_levels_again(adam):
    services.sla_target_update(  # its own transaction, committed
        by=adam,
        priority=Priority.NORMAL,
        first_response_hours=Decimal("0.5"),
        resolution_hours=Decimal("16"),
    )
    # (Found in review.) Every later read in this thread is inside a transaction
    # (ticket services are atomic): it must use the kept copy again.
    with transaction.atomic():
        selectors.sla_target_for(Priority.NORMAL)  # loads once, and should keep
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert selectors.sla_target_for(Priority.NORMAL).first_response_minutes == 30
    assert len(queries) == 0, f"{len(queries)} queries: read afresh each time"


@pytest.mark.django_db
def test_targets_are_saved_all_or_none(adam):
    before = dict(SlaTarget.objects.values_list("priority", "first_response_minutes"))
    hours = services.TargetHours
    with pytest.raises(ValidationError):
        services.sla_targets_update(
            by=adam,
            targets={
                Priority.URGENT: hours(Decimal("0.5"), Decimal("2")),
                Priority.NORMAL: hours(Decimal("8"), Decimal("4")),  # shorter resolution
            },
        )
    assert dict(SlaTarget.objects.values_list("priority", "first_response_minutes")) == before
