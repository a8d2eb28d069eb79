"""The transition table of SPEC section 4 ("Life of a ticket")."""

import itertools

import pytest

from ecmp.tickets.status import Status, can_transition

ALLOWED = {
    ("new", "open"),
    ("new", "wait"),
    ("new", "closed"),
    ("open", "wait"),
    ("open", "closed"),
    ("wait", "open"),
    ("wait", "closed"),
    ("closed", "open"),
}


@pytest.mark.parametrize(
    ("current", "target"), list(itertools.product(Status.values, Status.values))
)
def test_every_pair_is_allowed_or_refused_as_the_table_says(current, target):
    assert can_transition(current, target) is ((current, target) in ALLOWED)


def test_unknown_statuses_are_refused():
    assert not can_transition("nonsense", "open")
    assert not can_transition("new", "nonsense")
