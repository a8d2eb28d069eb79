"""The accountant's CSV of an invoice tells which lines were drawn from prepaid hours:
the pack's sale date in a last column, "prepaid_pack" (issue 19 §2)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.billing.documents import invoice_csv
from ecmp.billing.pack_services import hour_pack_add
from tests.factories import make_ticket
from tests.invoices_data import add_charge, issue, log_time, month_start, set_rate, today


def ago() -> date:
    """Forty days back, read when the test runs (see tests.invoices_data.today)."""
    return today() - timedelta(days=40)


def sell(adam, organization, minutes, sold):
    return hour_pack_add(
        by=adam,
        organization=organization,
        minutes=minutes,
        price=Decimal("100.00"),
        sold_on=sold,
        bill=False,
    )


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_lines_drawn_from_a_pack_carry_its_sale_date_the_others_nothing(
    client_for, acme, alice, agnes, adam
):
    set_rate(acme, "80.00", rounding=15)
    first = sell(adam, acme, 60, ago())
    second = sell(adam, acme, 30, ago() + timedelta(days=1))
    ticket = make_ticket(alice)
    log_time(ticket, agnes, 100, day=max(month_start(), today() - timedelta(days=1)))
    add_charge(agnes, acme, "Travel", "1", "30.00", "21")
    invoice = issue(adam, acme)
    body = client_for(adam).get(reverse("desk:invoice-file", args=[invoice.pk, "csv"]))
    rows = rows_of(body.content.decode())
    drawn = [
        (row["billed_minutes"], row["amount"], row["prepaid_pack"])
        for row in rows
        if row["ticket"] == str(ticket.number)
    ]
    assert sorted(drawn) == sorted(
        [
            ("60", "0.00", first.sold_on.isoformat()),
            ("30", "0.00", second.sold_on.isoformat()),
            ("15", "20.00", ""),
        ]
    )
    (charge,) = [row for row in rows if row["subject"] == "charge"]
    assert charge["prepaid_pack"] == "" and charge["description"] == "Travel"
    assert all(row["prepaid_pack"] == "" for row in rows if row["subject"].startswith("total"))


def test_the_csv_reads_the_same_queries_for_one_pack_or_many(acme, alice, agnes, adam):
    set_rate(acme, rounding=1)
    sell(adam, acme, 30, ago())
    log_time(make_ticket(alice), agnes, 20, day=month_start())
    few_invoice = issue(adam, acme)
    with CaptureQueriesContext(connection) as few:
        invoice_csv(few_invoice)
    for n in range(4):
        sell(adam, acme, 10, ago() + timedelta(days=n + 1))
    log_time(make_ticket(alice), agnes, 45, day=today())
    many_invoice = issue(adam, acme)
    assert many_invoice.lines.filter(pack__isnull=False).values("pack").distinct().count() > 2
    with CaptureQueriesContext(connection) as many:
        invoice_csv(many_invoice)
    assert len(many) == len(few)
