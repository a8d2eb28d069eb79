"""An event's emails written in one statement (`emails_written_together`): each gets
its row and its sending after commit, and a failure writes none of them."""

import pytest
from django.db import transaction

from ecmp.mail import outbound
from ecmp.mail.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def queue(to):
    return outbound.queue_email(kind="x", to=to, language="en", rendered=("s", "t", "h"))


@pytest.fixture
def sending(monkeypatch):
    """The ids handed to `outbox_send` after commit, in order."""
    handed = []
    monkeypatch.setattr(outbound, "after_commit", lambda task, pk: handed.append(pk))
    return handed


def test_the_emails_of_a_block_are_written_at_its_end_and_each_sent(sending):
    with transaction.atomic():
        alone = queue("a@example.com")
        with outbound.emails_written_together():
            b, c = queue("b@example.com"), queue("c@example.com")
            assert b.pk is None  # not yet: at the end of the block
    assert alone.pk and b.pk and c.pk
    assert sending == [alone.pk, b.pk, c.pk]
    assert OutboundEmail.objects.count() == 3


def test_a_block_that_fails_writes_nothing(sending):
    with pytest.raises(RuntimeError), transaction.atomic(), outbound.emails_written_together():
        queue("b@example.com")
        raise RuntimeError
    assert not OutboundEmail.objects.exists() and sending == []
    assert queue("d@example.com").pk  # outside a block: written at once again


def test_an_email_of_a_savepoint_rolled_back_inside_the_block_is_not_written(sending):
    """(Found in review.) It is written in its own savepoint, and goes with it."""
    with transaction.atomic(), outbound.emails_written_together():
        kept = queue("kept@example.com")
        try:
            with transaction.atomic():
                queue("rolled@example.com")
                raise RuntimeError
        except RuntimeError:
            pass
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["kept@example.com"]]
    assert kept.pk
