"""An event's emails written in one statement (an `OutboxBatch`, passed explicitly):
each gets its row and its sending after commit, and a failure writes none of them."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ecmp.mail import outbound, wakeups
from ecmp.mail.models import OutboundEmail
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def queue(to, outbox=None):
    return outbound.queue_email(
        kind="x", to=to, language="en", rendered=("s", "t", "h"), outbox=outbox
    )


@pytest.fixture
def sending(monkeypatch):
    """The ids handed to `outbox_send` after commit, in order."""
    handed = []
    monkeypatch.setattr(wakeups, "outbox_send_after_commit", handed.append)
    return handed


def inserts(queries):
    return [q for q in queries if q["sql"].startswith("INSERT") and "mail_outbound" in q["sql"]]


def test_the_emails_of_a_batch_are_written_at_its_end_in_one_statement_and_each_sent(sending):
    with transaction.atomic():
        alone = queue("a@example.com")
        with CaptureQueriesContext(connection) as queries, outbound.OutboxBatch() as outbox:
            b, c = queue("b@example.com", outbox), queue("c@example.com", outbox)
            assert b.pk is None  # not yet: at the end of the block
    assert len(inserts(queries.captured_queries)) == 1
    assert alone.pk and b.pk and c.pk
    assert sending == [alone.pk, b.pk, c.pk]
    assert OutboundEmail.objects.count() == 3


def test_an_event_s_emails_go_through_its_batch(sending, alice):
    """The dispatch hands the batch to the event's `TicketMail`; its emails wait for it."""
    ticket = make_ticket(alice)
    with transaction.atomic(), outbound.OutboxBatch() as outbox:
        mail = outbound.TicketMail(ticket, [], outbox=outbox)
        outbound.send_ticket_received(mail)
        assert not OutboundEmail.objects.filter(kind="ticket_received").exists()
    assert OutboundEmail.objects.filter(kind="ticket_received").count() == 1


def test_a_block_that_fails_writes_nothing(sending):
    with pytest.raises(RuntimeError), transaction.atomic(), outbound.OutboxBatch() as outbox:
        queue("b@example.com", outbox)
        raise RuntimeError
    assert not OutboundEmail.objects.exists() and sending == []
    assert queue("d@example.com").pk  # without a batch: written at once


def test_an_email_of_a_savepoint_rolled_back_inside_the_block_is_not_written(sending):
    """(Found in review.) It is written in its own savepoint, and goes with it."""
    with transaction.atomic(), outbound.OutboxBatch() as outbox:
        kept = queue("kept@example.com", outbox)
        try:
            with transaction.atomic():
                queue("rolled@example.com", outbox)
                raise RuntimeError
        except RuntimeError:
            pass
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["kept@example.com"]]
    assert kept.pk
