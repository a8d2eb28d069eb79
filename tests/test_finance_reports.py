"""The billing reports (issue 19 §6): each table's figures on a small known data set,
the receivables' age boundaries, the period, the CSV files, who may read them, and a
number of queries that does not grow with the clients."""

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.billing.finance_reports import (
    prepaid_hours,
    receivables_by_age,
    revenue_per_client_month,
    sla_per_client,
    unbilled_time,
)
from ecmp.billing.models import (
    ActivityRate,
    ActivityType,
    ContractRate,
    HourPack,
    Invoice,
    TimeEntry,
)
from ecmp.billing.selectors import billing_profile_for, invoice_draft
from tests.factories import OrganizationFactory, UserFactory, make_ticket
from tests.invoices_data import log_time, make_contract, set_rate, today
from tests.support_reports_data import put

PARIS = ZoneInfo("Europe/Paris")
START, END = date(2025, 1, 1), date(2025, 3, 31)
QUERY = {"start": START.isoformat(), "end": END.isoformat()}
PAGE = reverse("desk:finance-reports")
TABLES = ["revenue", "hours", "unbilled", "receivables", "sla"]
D = Decimal


def csv_url(table):
    return reverse("desk:finance-report-csv", args=[table])


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


_numbers = iter(range(1, 100_000))


def invoice(organization, by, issued, net, *, kind="invoice", status="issued", due=None,
            paid="0.00", currency="EUR", cancels=None):  # fmt: skip
    """An issued document as the services leave it, placed on its dates (VAT 21 %)."""
    net = D(net)
    vat = (net * D("0.21")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    return Invoice.objects.create(
        number=f"T-{next(_numbers):05d}",
        kind=kind,
        status=status,
        organization=organization,
        period_start=issued,
        period_end=issued,
        currency=currency,
        vat_rate=D("21.00"),
        total_net=net,
        total_vat=vat,
        total_gross=net + vat,
        issued_by=by,
        issue_date=issued,
        due_date=due,
        amount_paid=D(paid),
        cancels=cancels,
    )


@pytest.fixture
def books(acme, globex, adam):
    """Invoices of 2025's first quarter, and around it."""
    cancelled = invoice(acme, adam, date(2025, 1, 15), "100.00", status="cancelled")
    invoice(acme, adam, date(2025, 2, 3), "-100.00", kind="credit_note", cancels=cancelled)
    invoice(acme, adam, date(2025, 2, 10), "250.50", status="partly_paid", paid="100.00",
            due=today())  # fmt: skip
    invoice(globex, adam, date(2025, 1, 31), "80.00", status="paid", paid="96.80")
    invoice(globex, adam, date(2025, 3, 31), "10.00", status="paid", paid="12.10",
            currency="USD")  # fmt: skip
    # Outside the period.
    invoice(acme, adam, date(2024, 12, 31), "1000.00", status="paid", paid="1210.00")
    invoice(globex, adam, date(2025, 4, 1), "1000.00", status="paid", paid="1210.00")


def test_revenue_per_client_and_month_is_net_of_credit_notes(books, acme, globex):
    rows = revenue_per_client_month(START, END)
    found = [
        (r.name, r.month, r.currency, r.invoices, r.credit_notes, r.invoiced_net,
         r.credited_net, r.net, r.vat, r.gross)
        for r in rows
    ]  # fmt: skip
    assert found == [
        ("Acme", date(2025, 1, 1), "EUR", 1, 0, D("100.00"), D("0.00"), D("100.00"),
         D("21.00"), D("121.00")),
        # The credit note cancels January's invoice in February: 250.50 - 100.00.
        ("Acme", date(2025, 2, 1), "EUR", 1, 1, D("250.50"), D("-100.00"), D("150.50"),
         D("31.61"), D("182.11")),
        ("Globex", date(2025, 1, 1), "EUR", 1, 0, D("80.00"), D("0.00"), D("80.00"),
         D("16.80"), D("96.80")),
        ("Globex", date(2025, 3, 1), "USD", 1, 0, D("10.00"), D("0.00"), D("10.00"),
         D("2.10"), D("12.10")),
    ]  # fmt: skip
    # Over both months the cancelled invoice and its credit note leave nothing.
    acme_net = sum((r.net for r in rows if r.name == "Acme"), D(0))
    assert acme_net == D("250.50")


def test_revenue_follows_the_period(books):
    january = revenue_per_client_month(date(2025, 1, 1), date(2025, 1, 31))
    assert [(r.name, r.net) for r in january] == [("Acme", D("100.00")), ("Globex", D("80.00"))]
    december = revenue_per_client_month(date(2024, 12, 31), date(2024, 12, 31))
    assert [(r.name, r.net) for r in december] == [("Acme", D("1000.00"))]
    assert revenue_per_client_month(date(2023, 1, 1), date(2023, 12, 31)) == []


@pytest.fixture
def owed(acme, globex, adam):
    """Unpaid invoices due on each side of the ages' boundaries, and some not owed."""

    def day(days):
        return today() - timedelta(days=days)

    issued = date(2024, 6, 1)
    invoice(acme, adam, issued, "100.00", status="partly_paid", paid="21.00", due=today())
    invoice(acme, adam, issued, "100.00", due=day(days=30))
    invoice(acme, adam, issued, "50.00", status="sent", due=day(days=31))
    invoice(globex, adam, issued, "10.00", due=day(days=1))
    invoice(globex, adam, issued, "20.00", due=day(days=60))
    invoice(globex, adam, issued, "30.00", due=day(days=61))
    invoice(globex, adam, issued, "40.00", due=day(days=90))
    invoice(globex, adam, issued, "50.00", due=day(days=91))
    invoice(globex, adam, issued, "1.00", due=today() + timedelta(days=1))
    # Before due dates existed: due on its issue date.
    invoice(globex, adam, today() - timedelta(days=45), "5.00", due=None)
    # Not owed: paid, cancelled (and its credit note).
    invoice(acme, adam, issued, "999.00", status="paid", paid="1208.79", due=day(days=200))
    gone = invoice(acme, adam, issued, "500.00", status="cancelled", due=day(days=100))
    invoice(acme, adam, issued, "-500.00", kind="credit_note", cancels=gone, due=day(days=100))


def test_receivables_by_age_with_the_boundaries(owed):
    rows = receivables_by_age(today())
    found = {
        r.name: (r.currency, r.invoices, r.not_due, r.days_1_30, r.days_31_60, r.days_61_90,
                 r.over_90, r.total)
        for r in rows
    }  # fmt: skip
    assert found == {
        # Due today is not late; 30 days late is in the first bucket, 31 in the next.
        "Acme": ("EUR", 3, D("100.00"), D("121.00"), D("60.50"), D("0.00"), D("0.00"),
                 D("281.50")),
        "Globex": ("EUR", 7, D("1.21"), D("12.10"), D("24.20") + D("6.05"), D("36.30")
                   + D("48.40"), D("60.50"), D("188.76")),
    }  # fmt: skip
    globex = next(r for r in rows if r.name == "Globex")
    assert globex.oldest_due == today() - timedelta(days=91)


@pytest.fixture
def work(acme, globex, alice, carol, agnes, adam):
    """Time of 2025's first quarter: invoiced or not, billable or not, on packs or not,
    at the client's rate, the default one, and a contract's."""
    set_rate(acme, "80.00", 15)
    HourPack.objects.create(organization=acme, sold_on=date(2025, 1, 1), minutes=60,
                            price=D("70.00"), created_by=adam)  # fmt: skip
    # Globex's pack expired at January's end, half used.
    HourPack.objects.create(organization=globex, sold_on=date(2025, 1, 1), minutes=30,
                            price=D("35.00"), expires_on=date(2025, 1, 31), created_by=adam)  # fmt: skip
    contract = make_contract(globex, starts_on=date(2025, 2, 1))
    support = ActivityType.objects.get(name="Support")
    ContractRate.objects.create(contract=contract, activity_type=support, hourly_rate=D("120.00"))
    a, g = make_ticket(alice), make_ticket(carol)
    log_time(a, agnes, 50, date(2025, 1, 10))  # 60 billed, all from the pack
    log_time(a, agnes, 20, date(2025, 2, 5))  # 30 billed at 80: 40.00
    off = log_time(a, agnes, 45, date(2025, 3, 1))
    TimeEntry.objects.filter(pk=off.pk).update(billable=False)
    done = log_time(a, agnes, 40, date(2025, 1, 20))
    billed = invoice(acme, adam, date(2025, 1, 31), "53.33", status="paid", paid="64.53")
    TimeEntry.objects.filter(pk=done.pk).update(invoice=billed)
    log_time(a, agnes, 30, date(2025, 4, 2))  # after the period
    log_time(g, agnes, 7, date(2025, 1, 20))  # 15 billed, from the pack before it expired
    log_time(g, agnes, 61, date(2025, 2, 20))  # 75 billed at the contract's 120: 150.00
    return {"acme": acme, "globex": globex}


def test_unbilled_time_is_what_the_invoice_would_charge(work):
    rows = unbilled_time(START, END)
    found = [
        (r.name, r.currency, r.entries, r.minutes, r.billed_minutes, r.prepaid_minutes, r.amount)
        for r in rows
    ]
    assert found == [
        ("Acme", "EUR", 2, 70, 90, 60, D("40.00")),
        ("Globex", "EUR", 2, 68, 90, 15, D("150.00")),
    ]
    for row in rows:  # the very figure of the invoice draft, packs and rates included
        draft = invoice_draft(work[row.name.lower()], START, END)
        assert draft.time_net == row.amount


def test_unbilled_time_follows_the_period(work):
    february = unbilled_time(date(2025, 2, 1), date(2025, 2, 28))
    assert [(r.name, r.minutes, r.amount) for r in february] == [
        ("Acme", 20, D("40.00")),
        ("Globex", 61, D("150.00")),
    ]
    april = unbilled_time(date(2025, 4, 1), date(2025, 4, 30))
    assert [(r.name, r.minutes, r.amount) for r in april] == [("Acme", 30, D("40.00"))]
    assert unbilled_time(date(2023, 1, 1), date(2023, 12, 31)) == []


def test_prepaid_hours_per_client(work):
    found = [
        (r.name, r.included_minutes, r.used_minutes, r.left_minutes, r.expired_minutes)
        for r in prepaid_hours(today())
    ]
    # Acme's pack is used up (the April entry finds nothing left); Globex's expired
    # with 15 minutes unused, reported.
    assert found == [("Acme", 60, 60, 0, 0), ("Globex", 0, 0, 0, 15)]


def at(month, day, hour=9):
    return datetime(2025, month, day, hour, tzinfo=PARIS)


@pytest.fixture
def service(alice, carol):
    put(alice, at(2, 5), first=10, closed=60, first_due=15, resolution_due=120)
    put(carol, at(3, 3), first=60, first_due=30)
    put(carol, at(4, 3), first=60, first_due=30)  # after the period


def test_sla_compliance_per_client(service):
    found = [
        (r.name, r.tickets, r.first_response_met, r.first_response_missed, r.both_met,
         r.any_missed)
        for r in sla_per_client(START, END)
    ]  # fmt: skip
    assert found == [("Acme", 1, 1, 0, 1, 0), ("Globex", 1, 0, 1, 0, 1)]


# ---------------------------------------------------------------------------
# The page and its files.


def test_customers_and_agents_are_refused(client_for, alice, agnes, books):
    for person in (alice, agnes):
        client = client_for(person)
        assert client.get(PAGE, QUERY).status_code == 403
        for table in TABLES:
            assert client.get(csv_url(table), QUERY).status_code == 403


def test_signed_out_goes_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(csv_url("revenue")).status_code == 302


def test_writes_are_not_accepted(client_for, adam):
    assert client_for(adam).post(PAGE, QUERY).status_code == 405
    assert client_for(adam).post(csv_url("revenue"), QUERY).status_code == 405


def test_the_page_shows_every_table(client_for, adam, books, owed, work, service):
    response = client_for(adam).get(PAGE, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    for table in TABLES:
        assert f'data-table="{table}"' in html
        assert csv_url(table) + "?start=2025-01-01&amp;end=2025-03-31" in html
    assert "182.11 EUR" in html and "12.10 USD" in html  # a month's gross; another currency
    assert "484.61 EUR" in html and "150.00 EUR" in html and "1 h" in html
    assert 'data-total="USD"' in html
    found = re.search(
        r'<script id="revenue-chart-data" type="application/json">(.*?)</script>', html
    )
    assert found
    assert json.loads(found.group(1)) == {
        "labels": ["2025-01", "2025-02", "2025-03"],
        # January: Acme 100.00 + 53.33 (the invoiced time), Globex 80.00.
        "series": [
            {"currency": "EUR", "values": ["233.33", "150.50", "0.00"]},
            {"currency": "USD", "values": ["0.00", "0.00", "10.00"]},
        ],
    }
    assert "Billing reports" in html and 'aria-current="page">Billing reports<' in html


def test_the_default_period_is_this_year_to_date(client_for, adam):
    response = client_for(adam).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{today().replace(month=1, day=1).isoformat()}"' in html
    assert f'value="{today().isoformat()}"' in html


@pytest.mark.parametrize(
    "query, message",
    [
        (
            {"start": "2025-03-01", "end": "2025-02-01"},
            "The end of the period is before its start.",
        ),
        ({"start": "2020-01-01", "end": "2025-02-01"}, "Choose a period of two years at most."),
        ({"start": "yesterday", "end": "2025-02-01"}, "Enter a valid date."),
    ],
)
def test_a_bad_period_is_refused_with_a_message(client_for, adam, books, query, message):
    client = client_for(adam)
    response = client.get(PAGE, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    response = client.get(csv_url("revenue"), query)
    assert response.status_code == 400 and message in response.content.decode()


def test_an_unknown_table_is_not_found(client_for, adam):
    assert client_for(adam).get(csv_url("salaries"), QUERY).status_code == 404


def test_the_csv_files_for_the_accountant(client_for, adam, books, owed, work, service):
    client = client_for(adam)
    revenue = rows_of(client.get(csv_url("revenue"), QUERY))
    assert revenue[0] == ["organization", "month", "currency", "invoices", "credit_notes",
                          "invoiced_net", "credited_net", "net", "vat", "gross"]  # fmt: skip
    assert revenue[2] == ["Acme", "2025-02", "EUR", "1", "1", "250.50", "-100.00", "150.50",
                          "31.61", "182.11"]  # fmt: skip
    receivables = rows_of(client.get(csv_url("receivables"), QUERY))
    # The books' partly paid invoice (303.11 - 100.00, due today) with the others.
    oldest = (today() - timedelta(days=31)).isoformat()
    assert receivables[1] == ["Acme", "EUR", "4", oldest, "303.11", "121.00", "60.50", "0.00",
                              "0.00", "484.61", today().isoformat()]  # fmt: skip
    assert receivables[0][3] == "oldest_due_date"
    unbilled = rows_of(client.get(csv_url("unbilled"), QUERY))
    assert unbilled == [
        ["organization", "currency", "entries", "minutes", "billed_minutes",
         "prepaid_minutes", "amount_net"],
        ["Acme", "EUR", "2", "70", "90", "60", "40.00"],
        ["Globex", "EUR", "2", "68", "90", "15", "150.00"],
    ]  # fmt: skip
    hours = rows_of(client.get(csv_url("hours"), QUERY))
    assert hours[1:] == [["Acme", "60", "60", "0", "0", today().isoformat()],
                         ["Globex", "0", "0", "0", "15", today().isoformat()]]  # fmt: skip
    sla = rows_of(client.get(csv_url("sla"), QUERY))
    assert sla[1][:5] == ["Acme", "1", "1", "0", "100.0"]
    assert sla[2][:5] == ["Globex", "1", "0", "1", "0.0"]
    response = client.get(csv_url("revenue"), QUERY)
    assert 'filename="billing-revenue-2025-01-01-2025-03-31.csv"' in response["Content-Disposition"]


def test_a_csv_cell_never_starts_a_formula(client_for, adam, acme, books):
    acme.name = '=HYPERLINK("http://evil.test")'
    acme.save()
    rows = rows_of(client_for(adam).get(csv_url("revenue"), QUERY))
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.test")' in names
    assert not any(name.startswith("=") for name in names)
    # Amounts stay numbers, minus sign included.
    assert any(row[6] == "-100.00" for row in rows[1:])


# ---------------------------------------------------------------------------
# The cost of the page.


def _client_with_everything(adam, agnes, n):
    """A client with an invoice in the period and one owed, unbilled time, a pack and a
    ticket with deadlines."""
    organization = OrganizationFactory(name=f"Client {n:03d}")
    person = UserFactory(organization=organization)
    invoice(organization, adam, date(2025, 2, 1), "10.00")
    invoice(organization, adam, date(2024, 2, 1), "10.00", due=today() - timedelta(days=40))
    HourPack.objects.create(organization=organization, sold_on=date(2025, 1, 1), minutes=30,
                            price=D("10.00"), created_by=adam)  # fmt: skip
    ticket = make_ticket(person)
    log_time(ticket, agnes, 50, date(2025, 2, 2))
    put(person, at(2, 3), first=10, first_due=15)
    return organization


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, QUERY)
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_for_one_client_or_many(client_for, adam, agnes):
    client = client_for(adam)
    _client_with_everything(adam, agnes, 0)
    one = _queries(client)
    for n in range(1, 6):
        _client_with_everything(adam, agnes, n)
    many = _queries(client)
    assert many == one
    html = client.get(PAGE, QUERY).content.decode()
    assert html.count("Client 005") == 5  # in each table


def test_unbilled_time_at_the_clients_own_rate_and_an_ended_contract(acme, alice, agnes):
    """A kind of work with the client's own rate; a contract whose rate stops at its end."""
    set_rate(acme, "60.00", 1)
    training = ActivityType.objects.create(name="Training")
    profile = billing_profile_for(acme)
    ActivityRate.objects.create(profile=profile, activity_type=training, hourly_rate=D("90.00"))
    contract = make_contract(acme, starts_on=date(2024, 1, 1), ends_on=date(2025, 1, 31))
    support = ActivityType.objects.get(name="Support")
    ContractRate.objects.create(contract=contract, activity_type=support, hourly_rate=D("75.00"))
    ticket = make_ticket(alice)
    entry = log_time(ticket, agnes, 20, date(2025, 1, 15))  # 20 min at 90.00: 30.00
    TimeEntry.objects.filter(pk=entry.pk).update(activity_type=training)
    log_time(ticket, agnes, 7, date(2025, 1, 31))  # the contract's 75.00: 8.75
    log_time(ticket, agnes, 7, date(2025, 2, 1))  # after it, the client's 60.00: 7.00
    [row] = unbilled_time(START, END)
    assert (row.minutes, row.billed_minutes, row.amount) == (34, 34, D("45.75"))
    assert invoice_draft(acme, START, END).time_net == row.amount
