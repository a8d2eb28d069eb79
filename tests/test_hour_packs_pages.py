"""Prepaid hours on the pages (issue 19 §2): the desk's pack page (admins), the card on
the ticket page, the manager's balance in the portal; who sees what; query counts."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats
from pypdf import PdfReader

from ecmp.billing.models import Charge, HourPack
from ecmp.billing.pack_services import hour_pack_add
from tests.factories import UserFactory, make_ticket
from tests.invoices_data import issue, log_time, month_start, set_rate, today


def ago() -> date:
    """Forty days back, read when the test runs (see tests.invoices_data.today)."""
    return today() - timedelta(days=40)


def sell(adam, organization, hours, **values):
    values.setdefault("sold_on", ago())
    return hour_pack_add(
        by=adam,
        organization=organization,
        minutes=hours * 60,
        price=Decimal("400.00"),
        bill=False,
        **values,
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def packs_url(acme):
    return reverse("desk:hour-packs", args=[acme.pk])


def test_the_pack_page_is_for_admins_only(client_for, packs_url, acme, agnes, alice, adam):
    assert client_for(agnes).get(packs_url).status_code == 403
    assert client_for(alice).get(packs_url).status_code == 403
    add = reverse("desk:hour-pack-add", args=[acme.pk])
    assert client_for(agnes).post(add, {"minutes": "10", "price": "1"}).status_code == 403
    assert not HourPack.objects.exists()
    assert client_for(adam).get(packs_url).status_code == 200
    organization_page = client_for(adam).get(reverse("desk:organization", args=[acme.pk]))
    assert packs_url in organization_page.content.decode()


@pytest.mark.parametrize(
    "hours, minutes", [("10", 600), ("10h", 600), ("7h30", 450), ("7.5", 450), ("1:30", 90)]
)
def test_an_admin_sells_a_pack_in_hours_billed_on_the_next_invoice(
    client_for, packs_url, acme, adam, hours, minutes
):
    set_rate(acme)
    response = client_for(adam).post(
        reverse("desk:hour-pack-add", args=[acme.pk]),
        {"minutes": hours, "price": "750", "sold_on": today().isoformat(), "bill": "on"},
    )
    assert response.status_code == 302
    pack = HourPack.objects.get()
    assert (pack.minutes, pack.price, pack.created_by) == (minutes, Decimal("750.00"), adam)
    assert Charge.objects.get(pk=pack.charge_id).unit_price == Decimal("750.00")


@pytest.mark.parametrize(
    "data",
    [
        {"minutes": "ten", "price": "1", "sold_on": "2026-01-01"},
        {"minutes": "0", "price": "1", "sold_on": "2026-01-01"},
        {"minutes": "1h75", "price": "1", "sold_on": "2026-01-01"},
        {"minutes": "10", "price": "-5", "sold_on": "2026-01-01"},
        {"minutes": "10", "price": "x", "sold_on": "2026-01-01"},
        {"minutes": "10", "price": "1", "sold_on": "not a date"},
        {"minutes": "10", "price": "1", "sold_on": "2026-02-01", "expires_on": "2026-01-01"},
        {"minutes": "99999999", "price": "1", "sold_on": "2026-01-01"},
        {"minutes": "10", "price": "1" * 20, "sold_on": "2026-01-01"},
    ],
)
def test_bad_packs_are_refused_with_a_message_and_nothing_changes(client_for, acme, adam, data):
    response = client_for(adam).post(reverse("desk:hour-pack-add", args=[acme.pk]), data)
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    assert not HourPack.objects.exists() and not Charge.objects.exists()


def test_a_pack_is_deleted_until_an_invoice_draws_from_it(client_for, acme, alice, agnes, adam):
    set_rate(acme)
    admin = client_for(adam)
    pack = sell(adam, acme, 1)
    assert admin.post(reverse("desk:hour-pack-delete", args=[pack.pk])).status_code == 302
    assert not HourPack.objects.exists()
    pack = sell(adam, acme, 1)
    log_time(make_ticket(alice), agnes, 30, day=max(month_start(), today() - timedelta(days=1)))
    issue(adam, acme)
    response = admin.post(reverse("desk:hour-pack-delete", args=[pack.pk]), follow=True)
    assert "can no longer be deleted" in response.content.decode()
    assert HourPack.objects.filter(pk=pack.pk).exists()
    assert (
        client_for(agnes).post(reverse("desk:hour-pack-delete", args=[pack.pk])).status_code == 403
    )


def test_the_pack_page_shows_use_and_expiry_in_constant_queries(
    client_for, packs_url, acme, alice, agnes, adam
):
    set_rate(acme, rounding=1)
    admin = client_for(adam)
    sell(
        adam, acme, 1, sold_on=today() - timedelta(days=90), expires_on=today() - timedelta(days=60)
    )
    sell(adam, acme, 2)
    log_time(make_ticket(alice), agnes, 30, day=today())
    few = count_queries(admin, packs_url)
    html = admin.get(packs_url).content.decode()
    assert "Expired unused" in html and "1 h 30" in html  # 2 h bought, 30 min used
    for n in range(5):
        sell(adam, acme, 1)
        log_time(make_ticket(alice), agnes, 10 + n, day=today())
    assert count_queries(admin, packs_url) == few


def test_the_ticket_card_shows_the_balance_with_one_or_two_queries_more(
    client_for, acme, globex, alice, carol, agnes, adam
):
    set_rate(acme, rounding=1)
    desk = client_for(agnes)
    ticket = make_ticket(alice)
    log_time(ticket, agnes, 30, day=today())
    url = reverse("desk:ticket-detail", args=[ticket.number])
    without = count_queries(desk, url)
    assert 'id="prepaid-hours"' not in desk.get(url).content.decode()
    sell(adam, acme, 2)
    with_packs = count_queries(desk, url)
    assert with_packs <= without + 2  # the packs and the time they draw from
    html = desk.get(url).content.decode()
    assert 'id="prepaid-hours"' in html and "1 h 30 left of 2 h" in html
    assert reverse("desk:hour-packs", args=[acme.pk]) not in html  # an agent: no admin link
    assert reverse("desk:hour-packs", args=[acme.pk]) in client_for(adam).get(url).content.decode()
    for _n in range(5):
        sell(adam, acme, 1)
        log_time(make_ticket(alice), agnes, 5, day=today())
    assert count_queries(desk, url) == with_packs
    # Another client's ticket shows nothing of Acme's hours.
    other = make_ticket(carol)
    assert (
        'id="prepaid-hours"'
        not in desk.get(reverse("desk:ticket-detail", args=[other.number])).content.decode()
    )


@pytest.fixture
def acme_hours(acme, globex, alice, bob, carol, agnes, adam):
    set_rate(acme, rounding=1)
    sell(adam, acme, 3)
    sell(adam, globex, 7)
    own = make_ticket(alice, subject="Printer of Alice")
    colleague = make_ticket(bob, subject="Secret of Bob")
    log_time(own, agnes, 60, day=today())
    log_time(colleague, agnes, 30, day=today())
    return own, colleague


def test_a_manager_sees_their_balance_and_the_hours_drawn_per_ticket(client_for, acme_hours, alice):
    own, colleague = acme_hours
    html = client_for(alice).get(reverse("portal:hour-packs")).content.decode()
    assert "3 h" in html and "1 h 30" in html  # bought, left
    assert own.subject in html
    assert colleague.subject not in html  # the colleague's ticket: a total, no subject
    assert "Tickets of your colleagues" in html and "30 min" in html
    assert "7 h" not in html  # Globex's pack


def test_a_manager_of_another_company_sees_only_theirs_and_customers_none(
    client_for, acme_hours, bob, carol, agnes
):
    carol.is_team_manager = True
    carol.save()
    html = client_for(carol).get(reverse("portal:hour-packs")).content.decode()
    assert "7 h" in html and "Printer" not in html and "3 h" not in html
    assert client_for(bob).get(reverse("portal:hour-packs")).status_code == 403
    assert client_for(agnes).get(reverse("portal:hour-packs")).status_code == 403
    anonymous = client_for(UserFactory(is_active=False)).get(reverse("portal:hour-packs"))
    assert anonymous.status_code in (302, 403)


def test_the_portal_page_reads_a_constant_number_of_queries(
    client_for, acme_hours, acme, alice, agnes, adam
):
    manager = client_for(alice)
    url = reverse("portal:hour-packs")
    few = count_queries(manager, url)
    for n in range(5):
        sell(adam, acme, 1)
        log_time(make_ticket(alice, subject=f"More {n}"), agnes, 20, day=today())
    assert count_queries(manager, url) == few


def test_invoice_page_and_pdf_show_the_pack_lines_as_such(client_for, acme, alice, agnes, adam):
    set_rate(acme, rounding=15)
    pack = sell(adam, acme, 1)
    log_time(make_ticket(alice), agnes, 90, day=max(month_start(), today() - timedelta(days=1)))
    admin = client_for(adam)
    draft = admin.get(
        reverse("desk:invoice-draft"),
        {"organization": acme.pk, "start": month_start().isoformat(), "end": today().isoformat()},
    ).content.decode()
    day = formats.date_format(pack.sold_on, "SHORT_DATE_FORMAT")
    drawn = f"1 h from prepaid hours (pack of {day})"
    assert drawn in draft and "40.00 EUR" in draft
    invoice = issue(adam, acme)
    assert drawn in admin.get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    pdf = admin.get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert drawn in text
