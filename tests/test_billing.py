"""Time accounting and invoices by ticket number (SPEC section 6)."""

import csv
import io
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from ecmp.billing import services
from ecmp.billing.duration import parse_duration
from ecmp.billing.models import ActivityRate, ActivityType, Invoice, TimeEntry, TimeEntryChange
from ecmp.billing.money import billed_minutes, line_amount, vat_of
from ecmp.billing.selectors import billing_profile_for, invoice_draft
from tests.factories import make_ticket
from tests.invoices_data import month_start, today


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("15m", 15),
        ("1h30", 90),
        ("1.5", 90),
        ("1,5", 90),
        ("1:30", 90),
        ("90", 90),
        ("1h", 60),
        ("2h15m", 135),
        ("2 h 15", 135),
        ("0.25", 15),
        ("45 min", 45),
        ("24h", 1440),
    ],
)
def test_durations_as_agents_type_them(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "0", "0m", "-1", "25h", "1h70", "1..5", "h", "9" * 20])
def test_nonsense_durations_are_refused(text):
    assert parse_duration(text) is None


@given(st.text(max_size=20))
def test_parse_duration_never_fails(text):
    result = parse_duration(text)
    assert result is None or 0 < result <= 1440


@pytest.mark.parametrize(
    ("minutes", "step", "billed"),
    [(1, 15, 15), (15, 15, 15), (16, 15, 30), (44, 15, 45), (61, 60, 120), (7, 1, 7), (0, 15, 0)],
)
def test_rounding_up_to_the_clients_step(minutes, step, billed):
    assert billed_minutes(minutes, step) == billed


def test_money_to_the_cent():
    assert line_amount(20, Decimal("80.00")) == Decimal("26.67")  # 26.666…
    assert line_amount(10, Decimal("95.50")) == Decimal("15.92")  # 15.9166…
    assert vat_of(Decimal("100.00"), Decimal("21")) == Decimal("21.00")
    assert vat_of(Decimal("0.10"), Decimal("21")) == Decimal("0.02")  # 0.021
    assert vat_of(Decimal("0.50"), Decimal("21")) == Decimal("0.11")  # 0.105, half up
    assert vat_of(Decimal("-0.50"), Decimal("21")) == Decimal("-0.11")


@pytest.fixture
def support():
    return ActivityType.objects.get(name="Support")


@pytest.fixture
def log(agnes, support):
    def log_(ticket, minutes, day=None, billable=True, agent=None, activity=None, text="Work"):
        return services.time_entry_create(
            ticket=ticket,
            agent=agent or agnes,
            day=day or today(),
            minutes=minutes,
            activity_type=activity or support,
            description=text,
            billable=billable,
        )

    return log_


def test_agents_log_time_from_the_desk_page(client_for, agnes, alice, support):
    ticket = make_ticket(alice)
    desk = client_for(agnes)
    response = desk.post(
        reverse("desk:time-add", args=[ticket.number]),
        {
            "day": today().isoformat(),
            "duration": "1h30",
            "activity_type": support.pk,
            "description": "Phone call",
            "billable": "on",
        },
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.agent, entry.billable) == (90, agnes, True)
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert "1 h 30" in page and "Phone call" in page
    assert TimeEntryChange.objects.get().action == "created"


@pytest.mark.parametrize(
    "data", [{"duration": "lots"}, {"duration": ""}, {"duration": "30h"}, {"day": "2999-01-01"}]
)
def test_bad_time_is_refused_with_a_message(client_for, agnes, alice, support, data):
    ticket = make_ticket(alice)
    values = {"day": today().isoformat(), "duration": "1h", "activity_type": support.pk}
    values.update(data)
    response = client_for(agnes).post(
        reverse("desk:time-add", args=[ticket.number]), values, follow=True
    )
    assert not TimeEntry.objects.exists()
    assert "alert-danger" in response.content.decode()


def test_customers_cannot_log_time(client_for, alice, support):
    ticket = make_ticket(alice)
    response = client_for(alice).post(
        reverse("desk:time-add", args=[ticket.number]),
        {"day": today().isoformat(), "duration": "1h", "activity_type": support.pk},
    )
    assert response.status_code == 403 and not TimeEntry.objects.exists()


def test_own_entries_are_edited_and_deleted_with_every_change_recorded(
    log, alice, agnes, adam, support
):
    ticket = make_ticket(alice)
    entry = log(ticket, 30)
    services.time_entry_update(
        entry=entry,
        by=agnes,
        day=today(),
        minutes=45,
        activity_type=support,
        description="Longer",
        billable=False,
    )
    with pytest.raises(PermissionDenied):
        other_agent = type(agnes).objects.create_user(
            "other@support.test", "x", full_name="O", role="agent"
        )
        services.time_entry_delete(entry=entry, by=other_agent)
    services.time_entry_delete(entry=entry, by=agnes)
    changes = list(TimeEntryChange.objects.order_by("id").values_list("action", flat=True))
    assert changes == ["created", "updated", "deleted"]
    updated = TimeEntryChange.objects.get(action="updated")
    assert updated.before["minutes"] == 30 and updated.after["minutes"] == 45
    assert not TimeEntry.objects.exists()


@pytest.fixture
def acme_time(log, alice, bob, acme, support):
    """Billable and non-billable time on two Acme tickets, one entry last month."""
    first = make_ticket(alice, subject="Printer on fire")
    second = make_ticket(bob, subject="VPN down")
    profile = billing_profile_for(acme)
    profile.hourly_rate = Decimal("80.00")
    profile.rounding_minutes = 15
    profile.save()
    log(first, 20, text="Diagnosis")  # billed 30 min = 40.00
    log(first, 60, text="Repair")  # billed 60 min = 80.00
    log(second, 10, text="Reset")  # billed 15 min = 20.00
    log(second, 50, billable=False)  # not billed
    log(second, 30, day=month_start() - timedelta(days=3))  # outside the period
    return first, second


def test_the_draft_lists_billable_time_by_ticket_with_totals(acme_time, acme):
    first, second = acme_time
    draft = invoice_draft(acme, month_start(), today())
    assert [group.ticket.number for group in draft.tickets] == [first.number, second.number]
    assert [group.subtotal for group in draft.tickets] == [Decimal("120.00"), Decimal("20.00")]
    assert (draft.net, draft.vat, draft.gross) == (
        Decimal("140.00"),
        Decimal("29.40"),
        Decimal("169.40"),
    )


def test_an_activity_rate_replaces_the_hourly_rate(acme_time, acme, support):
    ActivityRate.objects.create(
        profile=billing_profile_for(acme), activity_type=support, hourly_rate=Decimal("100")
    )
    assert invoice_draft(acme, month_start(), today()).net == Decimal("175.00")


def test_issuing_numbers_locks_and_documents_the_invoice(acme_time, acme, adam, agnes, support):
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    assert invoice.number == f"{today().year}-0001"
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("140.00"),
        Decimal("29.40"),
        Decimal("169.40"),
    )
    locked = TimeEntry.objects.filter(invoice=invoice)
    assert locked.count() == 3
    with pytest.raises(ValidationError):
        services.time_entry_update(
            entry=locked.first(),
            by=agnes,
            day=today(),
            minutes=1,
            activity_type=support,
            description="",
            billable=True,
        )
    with pytest.raises(ValidationError):
        services.time_entry_delete(entry=locked.first(), by=agnes)
    # Nothing left to invoice in that period: no second invoice, no number used.
    with pytest.raises(ValidationError):
        services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    second_invoice_of_year = services.invoice_issue(
        by=adam, organization=acme, start=month_start() - timedelta(days=40), end=today()
    )
    assert second_invoice_of_year.number == f"{today().year}-0002"


def test_the_pdf_and_csv_show_ticket_numbers_and_totals(acme_time, acme, adam, client_for):
    first, second = acme_time
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    admin = client_for(adam)
    pdf = admin.get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (
        invoice.number,
        str(first.number),
        str(second.number),
        "Printer on fire",
        "140.00",
        "29.40",
        "169.40",
    ):
        assert expected in text, expected
    rows = list(
        csv.reader(
            io.StringIO(
                admin.get(reverse("desk:invoice-file", args=[invoice.pk, "csv"])).content.decode()
            )
        )
    )
    assert {row[1] for row in rows[1:4]} == {str(first.number), str(second.number)}
    assert rows[0][-3:] == ["amount", "currency", "prepaid_pack"]
    assert {len(row) for row in rows} == {len(rows[0])}
    assert rows[-1][2:] == ["total_gross", "", "", "", "", "", "", "", "", "169.40", "EUR", ""]


def test_a_credit_note_cancels_an_invoice_and_frees_its_time(acme_time, acme, adam):
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    entry_ids = set(TimeEntry.objects.filter(invoice=invoice).values_list("pk", flat=True))
    credit = services.invoice_cancel(by=adam, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED and credit.cancels == invoice
    assert credit.number == f"{today().year}-0002" and credit.total_gross == Decimal("-169.40")
    assert set(credit.lines.values_list("entry_id", flat=True)) == entry_ids
    assert set(invoice.lines.values_list("entry_id", flat=True)) == entry_ids
    assert not TimeEntry.objects.filter(invoice__isnull=False).exists()
    with pytest.raises(ValidationError):
        services.invoice_cancel(by=adam, invoice=invoice)
    again = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    assert again.total_gross == Decimal("169.40")


def test_only_admins_issue(acme_time, acme, agnes, client_for):
    with pytest.raises(PermissionDenied):
        services.invoice_issue(by=agnes, organization=acme, start=month_start(), end=today())
    data = {"organization": acme.pk, "start": month_start().isoformat(), "end": today().isoformat()}
    assert client_for(agnes).post(reverse("desk:invoice-issue"), data).status_code == 403
    assert client_for(agnes).get(reverse("desk:billing")).status_code == 403
    assert not Invoice.objects.exists()


def test_issuing_through_the_pages(acme_time, acme, adam, client_for):
    admin = client_for(adam)
    data = {"organization": acme.pk, "start": month_start().isoformat(), "end": today().isoformat()}
    draft = admin.get(reverse("desk:invoice-draft"), data).content.decode()
    assert "Printer on fire" in draft and "169.40" in draft
    response = admin.post(reverse("desk:invoice-issue"), data)
    invoice = Invoice.objects.get()
    assert response.url == reverse("desk:invoice", args=[invoice.pk])
    bad = admin.get(reverse("desk:invoice-draft"), {**data, "end": "2000-01-01"})
    assert bad.status_code == 400


def test_who_sees_invoices(acme_time, acme, adam, alice, bob, carol, client_for):
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    pdf_url = reverse("portal:invoice-pdf", args=[invoice.pk])
    manager = client_for(alice)
    listing = manager.get(reverse("portal:invoices")).content.decode()
    assert invoice.number in listing and "Printer on fire" in listing
    assert manager.get(pdf_url).status_code == 200
    assert client_for(bob).get(pdf_url).status_code == 403  # not a manager
    carol.is_team_manager = True
    carol.save()
    globex_manager = client_for(carol)
    assert globex_manager.get(pdf_url).status_code == 404
    assert invoice.number not in globex_manager.get(reverse("portal:invoices")).content.decode()


def test_users_see_time_on_their_tickets_unless_the_client_hides_it(
    acme_time, acme, alice, client_for
):
    first, _second = acme_time
    url = reverse("portal:ticket-detail", args=[first.number])
    assert "Time spent: 1 h 20" in client_for(alice).get(url).content.decode()
    profile = billing_profile_for(acme)
    profile.show_time_to_users = False
    profile.save()
    assert "Time spent" not in client_for(alice).get(url).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_admins_issuing_at_once_get_distinct_numbers_without_gaps(
    log, alice, carol, adam, acme, globex
):
    for user in (alice, carol):
        log(make_ticket(user), 60)
    other_admin = type(adam).objects.create_user(
        "admin2@support.test", "x", full_name="A2", role="admin"
    )
    numbers, errors, barrier = [], [], threading.Barrier(3)

    def issue(admin, organization):
        try:
            barrier.wait()
            numbers.append(
                services.invoice_issue(
                    by=admin, organization=organization, start=month_start(), end=today()
                ).number
            )
        except ValidationError as error:
            errors.append(error.code)
        finally:
            connections.close_all()

    # Two admins invoice Acme at the same moment, a third invoice is for Globex.
    threads = [
        threading.Thread(target=issue, args=args)
        for args in [(adam, acme), (other_admin, acme), (adam, globex)]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"{today().year}-0001", f"{today().year}-0002"]
    assert errors == ["empty"]
    assert Invoice.objects.filter(organization=acme).count() == 1


def test_reports_aggregate_in_the_database(acme_time, adam, client_for):
    admin = client_for(adam)
    params = {"start": (month_start() - timedelta(days=40)).isoformat(), "end": today().isoformat()}
    html = admin.get(reverse("desk:reports"), params).content.decode()
    assert "Agnes Agent" in html and "2 h 50" in html  # 170 minutes in all
    assert "71 %" in html  # 120 billable of 170
    rows = list(
        csv.reader(
            io.StringIO(
                admin.get(reverse("desk:reports"), {**params, "format": "csv"}).content.decode()
            )
        )
    )
    assert rows[0] == ["month", "organization", "minutes", "billable_minutes"]
    assert sum(int(row[2]) for row in rows[1:] if len(row) == 4) == 170


def test_spreadsheet_formulas_in_descriptions_are_defused(log, alice, acme, adam, client_for):
    log(make_ticket(alice, subject='=HYPERLINK("http://evil")'), 30, text="=1+1")
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    body = (
        client_for(adam)
        .get(reverse("desk:invoice-file", args=[invoice.pk, "csv"]))
        .content.decode()
    )
    assert "'=1+1" in body and "'=HYPERLINK" in body


def test_reading_billing_pages_writes_nothing(acme, adam, client_for):
    from ecmp.billing.models import BillingProfile

    admin = client_for(adam)
    assert admin.get(reverse("desk:organization", args=[acme.pk])).status_code == 200
    data = {"organization": acme.pk, "start": month_start().isoformat(), "end": today().isoformat()}
    assert admin.get(reverse("desk:invoice-draft"), data).status_code == 200
    assert not BillingProfile.objects.exists()
    admin.post(
        reverse("desk:billing-profile", args=[acme.pk]),
        {"hourly_rate": "95.00", "rounding_minutes": 15, "currency": "eur", "vat_rate": "21"},
    )
    profile = BillingProfile.objects.get()
    assert (profile.hourly_rate, profile.currency) == (Decimal("95.00"), "EUR")
