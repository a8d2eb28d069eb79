"""Prepaid hours (issue 19 §2): the draw-down rule, the balances, the invoice's pack lines."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecmp.billing.models import HourPack
from ecmp.billing.packs import PackSlot, PendingEntry, allocate, pack_balances
from tests.factories import make_ticket
from tests.invoices_data import log_time, set_rate, today

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
        sold_on=sold or today() - timedelta(days=30),
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
    make_pack(
        acme, adam, 1, sold=today() - timedelta(days=60), expires=today() - timedelta(days=31)
    )
    make_pack(globex, adam, 10)
    log_time(make_ticket(alice), agnes, 50, day=today() - timedelta(days=2))  # billed 60
    log_time(make_ticket(carol), agnes, 7, day=today() - timedelta(days=2))  # billed 15
    with django_assert_max_num_queries(3):
        balances = pack_balances(today=today())
    acme_balance, globex_balance = balances[acme.pk], balances[globex.pk]
    assert (acme_balance.included_minutes, acme_balance.used_minutes) == (120, 60)
    assert (acme_balance.left_minutes, acme_balance.expired_minutes) == (60, 60)
    assert (globex_balance.used_minutes, globex_balance.left_minutes) == (15, 585)
    assert pack_balances([globex.pk], today=today()).keys() == {globex.pk}


# ---------------------------------------------------------------------------
# Through the services: selling, drawing, invoicing, alerts.

from decimal import Decimal  # noqa: E402

from django.core import mail  # noqa: E402
from django.core.exceptions import PermissionDenied, ValidationError  # noqa: E402

from ecmp.accounts.models import AuditEvent  # noqa: E402
from ecmp.billing import services  # noqa: E402
from ecmp.billing.models import Charge, InvoiceLine  # noqa: E402
from ecmp.billing.pack_services import hour_pack_add, hour_pack_delete  # noqa: E402
from ecmp.billing.packs import pack_balance  # noqa: E402
from ecmp.billing.selectors import invoice_draft  # noqa: E402
from ecmp.mail.models import OutboundEmail  # noqa: E402
from tests.invoices_data import issue, make_contract, month_start  # noqa: E402


def ago() -> date:
    """Forty days back, read when the test runs (see tests.invoices_data.today)."""
    return today() - timedelta(days=40)


def sell(adam, organization, hours, sold=None, expires=None, bill=False, price="500.00"):
    return hour_pack_add(
        by=adam,
        organization=organization,
        minutes=int(hours * 60),
        price=Decimal(price),
        sold_on=sold or ago(),
        expires_on=expires,
        bill=bill,
    )


def test_selling_a_pack_bills_it_on_the_next_invoice_and_is_audited(acme, adam):
    set_rate(acme)
    pack = sell(adam, acme, 10, bill=True, price="750.00")
    charge = Charge.objects.get(pk=pack.charge_id)
    assert (charge.quantity, charge.unit_price, charge.vat_rate) == (1, Decimal("750.00"), 21)
    assert charge.description == "Prepaid hours: 10 h"
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.HOUR_PACK_CHANGED).count() == 1
    hour_pack_delete(by=adam, pack=pack)
    assert not Charge.objects.filter(pk=charge.pk).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.HOUR_PACK_CHANGED).count() == 2


def test_only_admins_sell_and_bad_packs_are_refused(acme, adam, agnes):
    with pytest.raises(PermissionDenied):
        sell(agnes, acme, 10)
    with pytest.raises(ValidationError):
        sell(adam, acme, 0)
    with pytest.raises(ValidationError):
        sell(adam, acme, 10, sold=today(), expires=today() - timedelta(days=1))
    with pytest.raises(ValidationError):
        sell(adam, acme, 10, price="-1")
    assert not HourPack.objects.exists() and not Charge.objects.exists()


def test_rounded_billable_time_draws_and_non_billable_never(acme, alice, agnes, adam):
    set_rate(acme, rounding=15)
    sell(adam, acme, 1)
    ticket = make_ticket(alice)
    log_time(ticket, agnes, 20, day=today() - timedelta(days=3))  # billed 30
    services.time_entry_create(
        ticket=ticket,
        agent=agnes,
        day=today() - timedelta(days=2),
        minutes=120,
        activity_type=log_time(ticket, agnes, 1, day=today()).activity_type,  # billed 15
        billable=False,
    )
    balance = pack_balance(acme.pk, today=today())
    assert (balance.used_minutes, balance.left_minutes) == (45, 15)


def test_expired_hours_are_reported_not_lost(acme, alice, agnes, adam):
    set_rate(acme, rounding=1)
    sell(adam, acme, 2, sold=today() - timedelta(days=60), expires=today() - timedelta(days=30))
    log_time(make_ticket(alice), agnes, 30, day=today() - timedelta(days=45))
    log_time(make_ticket(alice), agnes, 30, day=today() - timedelta(days=10))  # after expiry
    balance = pack_balance(acme.pk, today=today())
    assert (balance.included_minutes, balance.left_minutes) == (0, 0)
    assert balance.expired_minutes == 90
    # On the last day it was still in force, the same pack counts as bought.
    last_day = pack_balance(acme.pk, today=today() - timedelta(days=30))
    assert (last_day.included_minutes, last_day.used_minutes, last_day.expired_minutes) == (
        120,
        30,
        0,
    )


def lines_of(invoice):
    return [
        (line.ticket_number, line.billed_minutes, line.minutes, line.pack_id, line.amount)
        for line in invoice.lines.order_by("ticket_number", "date", "id")
    ]


def test_an_invoice_shows_pack_lines_at_zero_and_the_rest_at_the_rate(acme, alice, agnes, adam):
    set_rate(acme, hourly_rate="80.00", rounding=15)
    first = sell(adam, acme, 1, sold=ago())
    second = sell(adam, acme, 0.5, sold=ago() + timedelta(days=1))
    day = max(month_start(), today() - timedelta(days=1))
    ticket = make_ticket(alice)
    entry = log_time(ticket, agnes, 100, day=day)  # billed 105: 60 + 30 from packs, 15 at rate
    draft = invoice_draft(acme, month_start(), today())
    parts = [(line.billed_minutes, line.pack, line.amount) for line in draft.tickets[0].lines]
    assert parts == [
        (60, first, Decimal("0.00")),
        (30, second, Decimal("0.00")),
        (15, None, Decimal("20.00")),
    ]
    assert draft.entries == [entry] and draft.tickets[0].minutes == 105
    invoice = issue(adam, acme)
    assert lines_of(invoice) == [
        (ticket.number, 60, 60, first.pk, Decimal("0.00")),
        (ticket.number, 30, 30, second.pk, Decimal("0.00")),
        (ticket.number, 15, 10, None, Decimal("20.00")),
    ]
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("20.00"),
        Decimal("4.20"),
        Decimal("24.20"),
    )
    # What the invoice drew stays drawn: the packs are used up, and locked.
    balance = pack_balance(acme.pk, today=today())
    assert (balance.used_minutes, balance.left_minutes) == (90, 0)
    with pytest.raises(ValidationError):
        hour_pack_delete(by=adam, pack=first)


def test_fixed_draws_come_before_time_not_invoiced_and_a_credit_note_frees_them(
    acme, alice, agnes, adam
):
    set_rate(acme, rounding=1)
    pack = sell(adam, acme, 1, sold=ago())
    later = log_time(make_ticket(alice), agnes, 45, day=today())
    earlier = log_time(
        make_ticket(alice), agnes, 45, day=max(month_start(), today() - timedelta(days=1))
    )
    # Invoicing only the later entry: the older one, not invoiced yet, still draws
    # first, so the invoice draws what it leaves (15 min) and bills the rest.
    invoice = issue(adam, acme, today(), today())
    assert [line[1:4] for line in lines_of(invoice)] == [(15, 15, pack.pk), (30, 30, None)]
    draft = invoice_draft(acme, month_start(), today())
    assert [(line.billed_minutes, line.pack) for line in draft.tickets[0].lines] == [(45, pack)]
    assert pack_balance(acme.pk, today=today()).used_minutes == 60
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    assert InvoiceLine.objects.filter(invoice=credit, pack=pack).exists()
    # Freed: both entries are pending again, the older draws first.
    draft = invoice_draft(acme, month_start(), today())
    by_entry = {
        line.entry.pk: (line.billed_minutes, line.pack) for t in draft.tickets for line in t.lines
    }
    assert by_entry[earlier.pk] == (45, pack)
    assert pack_balance(acme.pk, today=today()).used_minutes == 60
    assert later.pk in {e.pk for e in draft.entries}
    # The cancelled invoice's draw no longer counts: with the later entry made not
    # billable, only the earlier one's 45 minutes are used.
    services.time_entry_update(
        entry=later,
        by=adam,
        day=later.date,
        minutes=later.minutes,
        activity_type=later.activity_type,
        description="",
        billable=False,
    )
    assert pack_balance(acme.pk, today=today()).used_minutes == 45


# ---------------------------------------------------------------------------
# Alerts at 80 % and 100 %, through the outbox.


@pytest.fixture
def alerts(acme, alice, adam, agnes, run_on_commit, settings):
    settings.ECMP_HOUR_PACK_ALERTS = [80, 100]
    set_rate(acme, rounding=1)
    make_contract(acme, billing_emails="billing@acme.test, boss@acme.test")
    return make_ticket(alice)


def alert_mails():
    return sorted((m.to[0], m.subject) for m in mail.outbox if "Prepaid hours" in m.subject)


def test_alerts_at_80_then_100_each_once(alerts, acme, adam, agnes, run_on_commit):
    run_on_commit(lambda: sell(adam, acme, 10))
    run_on_commit(lambda: log_time(alerts, agnes, 7 * 60, day=today() - timedelta(days=2)))
    assert alert_mails() == []
    run_on_commit(lambda: log_time(alerts, agnes, 60 + 30, day=today() - timedelta(days=1)))
    assert [to for to, _ in alert_mails()] == sorted(
        ["billing@acme.test", "boss@acme.test", adam.email, agnes.email]
    )
    assert all("80 %" in subject for _, subject in alert_mails())
    assert OutboundEmail.objects.filter(kind="hour_pack_alert").count() == 4
    mail.outbox.clear()
    run_on_commit(lambda: log_time(alerts, agnes, 10, day=today()))  # 85 %: already told
    assert alert_mails() == []
    # Past 100 % in one step from 85 %: the highest level only, once.
    entry = run_on_commit(lambda: log_time(alerts, agnes, 3 * 60, day=today()))
    assert len(alert_mails()) == 4 and all("used up" in s for _, s in alert_mails())
    mail.outbox.clear()
    run_on_commit(
        lambda: services.time_entry_update(
            entry=entry,
            by=agnes,
            day=today(),
            minutes=4 * 60,
            activity_type=entry.activity_type,
            description="",
            billable=True,
        )
    )
    assert alert_mails() == []
    assert set(HourPack.objects.values_list("alert_level", flat=True)) == {100}


def test_a_new_pack_starts_the_alerts_again(alerts, acme, alice, adam, agnes, run_on_commit):
    acme_contract_emails = ["billing@acme.test", "boss@acme.test"]
    run_on_commit(lambda: sell(adam, acme, 1))
    run_on_commit(lambda: log_time(alerts, agnes, 60, day=today()))
    assert len(alert_mails()) == 4
    mail.outbox.clear()
    run_on_commit(lambda: sell(adam, acme, 4))  # 1 h of 5 used: 20 %
    assert alert_mails() == []
    run_on_commit(lambda: log_time(alerts, agnes, 3 * 60, day=today()))  # 80 %
    assert {to for to, _ in alert_mails()} >= set(acme_contract_emails)
    assert all("80 %" in s for _, s in alert_mails())


def test_without_billing_contacts_the_team_managers_are_told(
    acme, alice, adam, agnes, run_on_commit, settings
):
    settings.ECMP_HOUR_PACK_ALERTS = [50]
    set_rate(acme, rounding=1)
    ticket = make_ticket(alice)
    run_on_commit(lambda: sell(adam, acme, 1))
    run_on_commit(lambda: log_time(ticket, agnes, 30, day=today()))
    assert [to for to, _ in alert_mails()] == sorted([alice.email, adam.email, agnes.email])


def test_each_reader_gets_their_language_and_their_side_s_link(
    alerts, acme, alice, adam, agnes, run_on_commit, monkeypatch, settings
):
    from ecmp.mail import pack_mail

    make_contract(acme, billing_emails="ALICE@acme.test, outside@acme.test", starts_on=today())
    alice.language = "fr"
    alice.save()
    languages = {}
    real = pack_mail.queue_email

    def recording(**kwargs):
        languages[kwargs["to"]] = kwargs["language"]
        return real(**kwargs)

    monkeypatch.setattr(pack_mail, "queue_email", recording)
    run_on_commit(lambda: sell(adam, acme, 1))
    run_on_commit(lambda: log_time(alerts, agnes, 60, day=today()))
    assert languages == {
        "ALICE@acme.test": "fr",
        "outside@acme.test": settings.LANGUAGE_CODE,
        adam.email: adam.language,
        agnes.email: agnes.language,
    }
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "/portal/hours/" in bodies["outside@acme.test"]
    assert f"/desk/clients/{acme.pk}/hours/" in bodies[agnes.email]


def test_the_manager_report_counts_invoiced_and_pending_draws_per_ticket(
    acme, alice, bob, agnes, adam
):
    from ecmp.billing.packs import pack_report_for_manager

    set_rate(acme, rounding=1)
    sell(adam, acme, 2)
    day = max(month_start(), today() - timedelta(days=1))
    invoiced = make_ticket(alice, subject="Invoiced")
    pending = make_ticket(alice, subject="Pending")
    hidden = make_ticket(bob, subject="Bob's")
    log_time(invoiced, agnes, 30, day=day)
    issue(adam, acme, day, day)
    log_time(pending, agnes, 20, day=today())
    log_time(hidden, agnes, 10, day=today())
    report = pack_report_for_manager(alice, today=today())
    assert [(t.number, m) for t, m in report.tickets] == [
        (pending.number, 20),
        (invoiced.number, 30),
    ]
    assert report.hidden_minutes == 10
    assert report.balance.used_minutes == 60
    assert pack_report_for_manager(bob, today=today()) is None  # not a manager
    assert pack_report_for_manager(agnes, today=today()) is None


def test_a_pack_billed_but_not_drawn_from_is_deleted_its_invoiced_sale_stays(acme, adam):
    set_rate(acme)
    pack = sell(adam, acme, 5, sold=today(), bill=True)
    invoice = issue(adam, acme)
    charge = Charge.objects.get(pk=pack.charge_id)
    assert charge.invoice_id == invoice.pk and invoice.total_net == Decimal("500.00")
    hour_pack_delete(by=adam, pack=pack)
    assert not HourPack.objects.exists()
    assert Charge.objects.filter(pk=charge.pk, invoice=invoice).exists()
