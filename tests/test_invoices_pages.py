"""The invoice pages: the issuer's details (admins), free lines on the draft, the
draft's default period, the invoice page and PDF, and who reaches them."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats
from pypdf import PdfReader

from ecmp.billing import services
from ecmp.billing.models import ActivityType, Charge, Invoice, IssuerProfile
from tests.factories import make_ticket
from tests.invoices_data import (
    ISSUER,
    add_charge,
    issue,
    log_time,
    logo_upload,
    make_contract,
    make_issuer,
    month_start,
    set_rate,
    today,
)


def period(organization):
    return {
        "organization": organization.pk,
        "start": month_start().isoformat(),
        "end": today().isoformat(),
    }


def test_admins_save_the_issuers_details_compact_with_a_logo(client_for, adam):
    response = client_for(adam).post(reverse("desk:issuer"), {**ISSUER, "logo": logo_upload()})
    assert response.status_code == 302
    profile = IssuerProfile.objects.get()
    assert (profile.vat_number, profile.company_number, profile.iban, profile.bic) == (
        "BE0403170701",
        "0403170701",
        "BE71096123456769",
        "GKCCBEBB",
    )
    assert profile.logo.name.startswith("issuer/") and profile.logo.name.endswith(".png")
    page = client_for(adam).get(reverse("desk:issuer")).content.decode()
    assert "Support Services SRL" in page and "data:image/png;base64," in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "BE71 0961 2345 6768", "This is not a valid IBAN."),
        ("bic", "GKCC", "This is not a valid BIC."),
        ("vat_number", "BE0403170702", "check digits are wrong"),
        ("company_number", "12345", "This is not a valid company number"),
        ("legal_name", "", "This field is required."),
    ],
)
def test_bad_issuer_details_are_refused_and_nothing_changes(
    client_for, adam, field, value, message
):
    make_issuer(adam, with_logo=False)
    response = client_for(adam).post(
        reverse("desk:issuer"), {**ISSUER, field: value, "phone": "new"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert IssuerProfile.objects.get().phone == ISSUER["phone"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.png", b"MZ\x90\x00" + b"\x00" * 100),  # a program named .png
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024)),  # too big
    ],
)
def test_a_logo_is_a_small_png_or_jpeg(client_for, adam, name, content, media_root):
    response = client_for(adam).post(
        reverse("desk:issuer"), {**ISSUER, "logo": logo_upload(name, content)}
    )
    assert response.status_code == 400
    assert not IssuerProfile.objects.exists()
    assert not (media_root / "issuer").exists()


def test_issuer_changes_are_in_the_audit_log_and_a_refusal_leaves_none(client_for, adam):
    from ecmp.accounts.models import AuditEvent

    make_issuer(adam, with_logo=False)
    client_for(adam).post(reverse("desk:issuer"), {**ISSUER, "phone": "+32 2 555 00 00"})
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.ISSUER_CHANGED).latest("pk")
    assert event.actor == adam and event.changes["phone"][1] == "+32 2 555 00 00"
    count = AuditEvent.objects.filter(kind=AuditEvent.Kind.ISSUER_CHANGED).count()
    client_for(adam).post(reverse("desk:issuer"), {**ISSUER, "iban": "BE00"})
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ISSUER_CHANGED).count() == count


def test_agents_and_customers_do_not_reach_the_issuer_page(client_for, agnes, alice):
    for user in (agnes, alice):
        client = client_for(user)
        assert client.get(reverse("desk:issuer")).status_code == 403
        assert client.post(reverse("desk:issuer"), ISSUER).status_code == 403
    assert not IssuerProfile.objects.exists()


def test_the_draft_defaults_to_the_current_month_up_to_today(client_for, adam):
    html = client_for(adam).get(reverse("desk:billing")).content.decode()
    start = re.search(r'<input type="date" name="start" value="([0-9-]+)"', html)
    end = re.search(r'<input type="date" name="end" value="([0-9-]+)"', html)
    assert start and end
    assert (start.group(1), end.group(1)) == (month_start().isoformat(), today().isoformat())


def test_free_lines_are_added_and_removed_on_the_draft_page(client_for, acme, adam, agnes):
    admin = client_for(adam)
    data = {**period(acme), "day": today().isoformat(), "description": "Travel"}
    response = admin.post(
        reverse("desk:charge-add"),
        {**data, "quantity": "12.5", "unit_price": "0.42", "vat_rate": "21"},
    )
    assert response.status_code == 302 and reverse("desk:invoice-draft") in response.url
    charge = Charge.objects.get()
    assert (charge.quantity, charge.unit_price, charge.created_by) == (
        Decimal("12.5"),
        Decimal("0.42"),
        adam,
    )
    draft = admin.get(response.url).content.decode()
    assert "Travel" in draft and "5.25" in draft  # 12.5 x 0.42
    bad = admin.post(
        reverse("desk:charge-add"), {**data, "quantity": "-1", "unit_price": "x", "vat_rate": "21"}
    )
    assert bad.status_code == 302 and Charge.objects.count() == 1
    admin.post(reverse("desk:charge-delete", args=[charge.pk]), period(acme))
    assert not Charge.objects.exists()


def test_an_invoiced_free_line_cannot_be_removed_through_the_page(client_for, acme, adam, agnes):
    charge = add_charge(agnes, acme, "Router", "1", "89.90", "21")
    invoice = issue(adam, acme)
    response = client_for(agnes).post(reverse("desk:charge-delete", args=[charge.pk]), period(acme))
    assert response.status_code == 302
    assert Charge.objects.get(pk=charge.pk).invoice == invoice


def test_customers_cannot_add_or_remove_free_lines(client_for, acme, alice, agnes):
    charge = add_charge(agnes, acme, "Router", "1", "89.90", "21")
    client = client_for(alice)
    data = {
        **period(acme),
        "day": today().isoformat(),
        "description": "Free",
        "quantity": "1",
        "unit_price": "-100",
        "vat_rate": "0",
    }
    assert client.post(reverse("desk:charge-add"), data).status_code == 403
    assert (
        client.post(reverse("desk:charge-delete", args=[charge.pk]), period(acme)).status_code
        == 403
    )
    assert list(Charge.objects.all()) == [charge]


@pytest.fixture
def full_invoice(acme, alice, bob, agnes, adam):
    set_rate(acme)
    make_issuer(adam)
    make_contract(acme, payment_terms_days=15)
    first = make_ticket(alice, subject="Printer on fire")
    second = make_ticket(bob, subject="VPN down")
    log_time(first, agnes, 60, text="Repair")
    log_time(second, agnes, 30, text="Reset")
    add_charge(agnes, acme, "Travel to the client", "37.5", "0.42", "21")
    add_charge(agnes, acme, "Manual", "2", "12.50", "6")
    return issue(adam, acme), first, second


def test_the_pdf_shows_everything_an_invoice_needs(client_for, adam, full_invoice):
    invoice, first, second = full_invoice
    pdf = client_for(adam).get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        invoice.number,
        str(first.number),
        str(second.number),
        "Printer on fire",
        "Support Services SRL",
        "BE0403170701",
        "Avenue Louise 1",
        "BE0428759497",
        "Travel to the client",
        "37.5 x 0.42",
        "Manual: 2 x 12.50",
        invoice.payment_reference_display,
        "BE71096123456769",
        "GKCCBEBB",
        formats.date_format(today() + timedelta(days=15), "SHORT_DATE_FORMAT"),
        f"{invoice.total_gross:,}",
    ):
        assert expected in text, expected
    images = [image for page in reader.pages for image in page.images]
    assert len(images) >= 2  # the logo and the QR code


def test_the_pdf_of_a_reverse_charge_invoice_carries_the_mention(
    client_for, acme, alice, agnes, adam
):
    set_rate(acme)
    make_contract(acme, reverse_charge=True)
    log_time(make_ticket(alice), agnes, 60)
    invoice = issue(adam, acme)
    pdf = client_for(adam).get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Reverse charge: VAT to be accounted for by the customer" in " ".join(text.split())
    page = client_for(adam).get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    assert "Article 196, Directive 2006/112/EC" in page


def test_the_pdf_names_the_seeded_kinds_of_work_in_its_readers_language(
    client_for, acme, alice, agnes, adam
):
    set_rate(acme)
    services.time_entry_create(
        ticket=make_ticket(alice),
        agent=agnes,
        day=today(),
        minutes=60,
        activity_type=ActivityType.objects.get(name="On-site"),
        description="Fuser",
    )
    invoice = issue(adam, acme)
    adam.language = "fr"
    adam.save(update_fields=["language"])
    pdf = client_for(adam).get(
        reverse("desk:invoice-file", args=[invoice.pk, "pdf"]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Sur site: Fuser" in text and "On-site" not in text


def test_the_invoice_page_shows_parties_rates_reference_and_qr(
    client_for, adam, full_invoice, django_assert_max_num_queries
):
    invoice = full_invoice[0]
    admin = client_for(adam)
    with django_assert_max_num_queries(12):
        html = admin.get(reverse("desk:invoice", args=[invoice.pk])).content.decode()
    for expected in (
        "Support Services SRL",
        "Avenue Louise 1",
        invoice.payment_reference_display,
        "Travel to the client",
        "Subtotal at 21.00 % VAT",
        "Subtotal at 6.00 % VAT",
        "BE71096123456769",
        "data:image/png;base64,",
    ):
        assert expected in html, expected


def test_the_draft_page_reads_a_constant_number_of_queries(
    client_for, acme, alice, agnes, adam, django_assert_max_num_queries
):
    set_rate(acme)
    make_contract(acme)
    admin = client_for(adam)

    def count():
        with django_assert_max_num_queries(20) as captured:
            assert admin.get(reverse("desk:invoice-draft"), period(acme)).status_code == 200
        return len(captured)

    log_time(make_ticket(alice), agnes, 30)
    add_charge(agnes, acme, "One", "1", "1", "21")
    few = count()
    for n in range(4):
        log_time(make_ticket(alice), agnes, 30)
        add_charge(agnes, acme, f"More {n}", "1", "1", "6")
    assert count() == few


def test_managers_see_their_invoices_due_date_and_reference_only(
    client_for, full_invoice, alice, bob, carol, globex, agnes, adam
):
    invoice = full_invoice[0]
    listing = client_for(alice).get(reverse("portal:invoices")).content.decode()
    assert invoice.payment_reference_display in listing
    assert formats.date_format(invoice.due_date, "SHORT_DATE_FORMAT") in listing
    carol.is_team_manager = True
    carol.save()
    log_time(make_ticket(carol), agnes, 30)
    globex_invoice = issue(adam, globex)
    other = client_for(carol)
    assert invoice.number not in other.get(reverse("portal:invoices")).content.decode()
    assert other.get(reverse("portal:invoice-pdf", args=[invoice.pk])).status_code == 404
    assert (
        client_for(alice).get(reverse("portal:invoice-pdf", args=[globex_invoice.pk])).status_code
        == 404
    )
    assert client_for(bob).get(reverse("portal:invoice-pdf", args=[invoice.pk])).status_code == 403


def test_customers_never_reach_the_desks_invoice_pages(client_for, full_invoice, alice):
    invoice = full_invoice[0]
    client = client_for(alice)
    for url in (
        reverse("desk:invoice", args=[invoice.pk]),
        reverse("desk:invoice-file", args=[invoice.pk, "pdf"]),
        reverse("desk:invoice-draft"),
        reverse("desk:billing"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("desk:invoice-cancel", args=[invoice.pk])).status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED
