"""Prepaid hours (issue 19 §2): the draw-down rule, the balances, the invoice's pack lines."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecmp.billing.models import HourPack
from ecmp.billing.packs import PackSlot, PendingEntry, allocate, pack_balances
from tests.factories import make_ticket
from tests.invoices_data import TODAY, log_time, set_rate

D = date(2026, 1, 1)


def slot(pk, minutes, sold=D, expires=None, fixed=0):
    return PackSlot(pk, sold, expires, minutes, fixed)


def entry(pk, billed, day=D):
    return PendingEntry(pk, day, billed)


def test_the_oldest_valid_pack_first_split_when_it_runs_out():
    packs = [slot(2, 60, sold=D + timedelta(days=1)), slot(1, 60)]
    result = allocate(
        packs, [entry(10, 45, D + timedelta(days=2)), entry(11, 45, D + timedelta(days=3))]
    )
    assert result.draws == {10: [(1, 45)], 11: [(1, 15), (2, 30)]}
    assert result.used == {1: 60, 2: 30}


def test_entries_draw_in_order_of_date_then_id_not_of_creation():
    result = allocate([slot(1, 30)], [entry(9, 30, D + timedelta(days=5)), entry(8, 30, D)])
    assert result.draws == {8: [(1, 30)]}


def test_time_beyond_the_packs_draws_nothing_more():
    result = allocate([slot(1, 60)], [entry(1, 90)])
    assert result.draws == {1: [(1, 60)]}
    assert result.used == {1: 60}


def test_a_pack_is_valid_from_its_sale_to_its_expiry_inclusive():
    pack = slot(1, 600, sold=D, expires=D + timedelta(days=10))
    before, first, last, after = (
        entry(1, 10, D - timedelta(days=1)),
        entry(2, 10, D),
        entry(3, 10, D + timedelta(days=10)),
        entry(4, 10, D + timedelta(days=11)),
    )
    result = allocate([pack], [before, first, last, after])
    assert set(result.draws) == {2, 3}


def test_an_expired_pack_is_skipped_for_a_newer_one():
    old = slot(1, 600, sold=D, expires=D + timedelta(days=5))
    new = slot(2, 600, sold=D + timedelta(days=1))
    result = allocate([old, new], [entry(1, 30, D + timedelta(days=6))])
    assert result.draws == {1: [(2, 30)]}


def test_fixed_draws_of_invoices_come_first():
    result = allocate([slot(1, 60, fixed=45), slot(2, 60)], [entry(1, 30)])
    assert result.draws == {1: [(1, 15), (2, 15)]}
    assert result.used == {1: 60, 2: 15}


@given(
    st.lists(st.tuples(st.integers(1, 300), st.integers(0, 20), st.integers(0, 300)), max_size=5),
    st.lists(st.tuples(st.integers(1, 300), st.integers(0, 30)), max_size=12),
)
def test_nothing_is_drawn_twice_nor_beyond_a_pack(pack_rows, entry_rows):
    packs = [
        slot(i, minutes, sold=D + timedelta(days=start), fixed=min(fixed, minutes))
        for i, (minutes, start, fixed) in enumerate(pack_rows)
    ]
    entries = [
        entry(i, billed, D + timedelta(days=day)) for i, (billed, day) in enumerate(entry_rows)
    ]
    result = allocate(packs, entries)
    for pack in packs:
        assert pack.fixed <= result.used[pack.id] <= pack.minutes
    for e in entries:
        drawn = sum(minutes for _, minutes in result.draws.get(e.id, []))
        assert drawn <= e.billed
        for pack_id, _ in result.draws.get(e.id, []):
            assert packs[pack_id].valid_on(e.date)
    total = sum(m for parts in result.draws.values() for _, m in parts)
    assert total == sum(result.used[p.id] - p.fixed for p in packs)


def make_pack(organization, by, hours, sold=None, expires=None):
    return HourPack.objects.create(
        organization=organization,
        sold_on=sold or TODAY - timedelta(days=30),
        minutes=hours * 60,
        price=100 * hours,
        expires_on=expires,
        created_by=by,
    )


@pytest.mark.django_db
def test_balances_of_all_clients_in_three_queries(
    acme, globex, alice, carol, agnes, adam, django_assert_max_num_queries
):
    set_rate(acme, rounding=15)
    make_pack(acme, adam, 2)
    make_pack(acme, adam, 1, sold=TODAY - timedelta(days=60), expires=TODAY - timedelta(days=31))
    make_pack(globex, adam, 10)
    log_time(make_ticket(alice), agnes, 50, day=TODAY - timedelta(days=2))  # billed 60
    log_time(make_ticket(carol), agnes, 7, day=TODAY - timedelta(days=2))  # billed 15
    with django_assert_max_num_queries(3):
        balances = pack_balances(today=TODAY)
    acme_balance, globex_balance = balances[acme.pk], balances[globex.pk]
    assert (acme_balance.included_minutes, acme_balance.used_minutes) == (120, 60)
    assert (acme_balance.left_minutes, acme_balance.expired_minutes) == (60, 60)
    assert (globex_balance.used_minutes, globex_balance.left_minutes) == (15, 585)
    assert pack_balances([globex.pk], today=TODAY).keys() == {globex.pk}
