"""An admin bills this month's support — time, prepaid hours and travel (issue 19 §2,
§3): the issuer's page, a pack sold on the client's page, the draft (current month by
default) drawing from it with a travel line, the issued invoice with its payment
reference and EPC QR code, each page clean for axe. Then (issue 19 §5) sends it: the
billing contact's email carries its files, the PDF the ticket number and the QR code;
the team manager sees it in the portal with the QR code; the admin records the
payment and both see it paid."""

import io
from decimal import Decimal

from PIL import Image, ImageChops
from playwright.sync_api import expect
from pypdf import PdfReader

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from ecmp.billing.einvoice.files import invoice_files
from ecmp.billing.epc import epc_fields, epc_qr_png
from ecmp.billing.models import Invoice
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket
from tests.invoices_data import log_time, make_contract, make_issuer, set_rate


def test_an_admin_bills_the_month_with_a_free_line(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(
        email="user@acme.test",
        full_name="Robert Schuman",
        organization=acme,
        is_team_manager=True,
    )
    admin = AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)
    twofactor.enrol_demo_authenticator(user=admin, secret=twofactor.new_secret())
    set_rate(acme)
    make_issuer(admin)
    make_contract(acme, billing_emails="accounts@acme.test")
    ticket = make_ticket(caller, subject="Printer on fire")
    log_time(ticket, admin, 90)  # 1 h from the pack sold below, 30 min at the rate
    page = new_page()
    sign_in(page, stack.url, admin.email)

    page.goto(stack.url + "/desk/billing/")
    submit(page, "a:has-text('Issuer details')")
    expect(page.locator("#id_iban")).to_have_value("BE71096123456769")
    assert axe(page) == []

    # A pack of prepaid hours sold from the client's page, billed on the next invoice.
    page.goto(stack.url + f"/desk/clients/{acme.pk}/")
    submit(page, "main a[href$='/hours/']")
    page.fill("#id_minutes", "1h")
    page.fill("#id_price", "70.00")
    submit(page, "button:has-text('Add the pack')")
    expect(page.locator("main")).to_contain_text("The pack is added.")
    expect(page.locator("#packs")).to_contain_text("70.00")
    assert axe(page) == []

    page.goto(stack.url + "/desk/billing/")
    page.select_option("#id_organization", label="Acme Industries")
    submit(page, "button:has-text('Prepare the draft')")
    expect(page.locator("main")).to_contain_text(f"{ticket.number} — Printer on fire")
    expect(page.locator("main")).to_contain_text("1 h from prepaid hours")
    expect(page.locator("main")).to_contain_text("Prepaid hours: 1 h")
    page.fill("#id_description", "Travel")
    page.fill("#id_quantity", "37.5")
    page.fill("#id_unit_price", "0.42")
    submit(page, "button:has-text('Add')")
    expect(page.locator("main")).to_contain_text("15.75")
    assert axe(page) == []
    submit(page, "button:has-text('Issue the invoice')")
    expect(page.locator("h1")).to_contain_text("Invoice")
    expect(page.locator("table")).to_contain_text(str(ticket.number))
    expect(page.locator("main")).to_contain_text("1 h from prepaid hours")
    # 30 min at 80.00, the pack's 70.00 and the travel's 15.75, with 21 % VAT.
    expect(page.locator("main")).to_contain_text("152.16")
    expect(page.locator("main")).to_contain_text("+++")
    expect(page.locator("img[alt='EPC QR code for a SEPA transfer']")).to_be_visible()
    assert axe(page) == []

    # Sent to the billing contact, with the files the invoice goes out with.
    submit(page, "button:has-text('Send to the billing contacts')")
    expect(page.locator("main")).to_contain_text("is sent to accounts@acme.test")
    invoice = Invoice.objects.get(kind="invoice")
    assert (invoice.total_net, invoice.total_gross) == (Decimal("125.75"), Decimal("152.16"))
    # The billing contact also gets the pack's "used up" alert, in any order.
    subject = f"Invoice {invoice.number} from Support Services SRL"
    message = stack.wait_for_mail(
        lambda m: m["To"] == "accounts@acme.test" and m["Subject"] == subject
    )
    attached = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    assert sorted(attached) == sorted(name for name, _c, _k in invoice_files(invoice, "en"))
    (pdf,) = [content for name, content in attached.items() if name.endswith(".pdf")]
    reader = PdfReader(io.BytesIO(pdf))
    pdf_text = " ".join(p.extract_text() for p in reader.pages)
    for expected in (str(ticket.number), "from prepaid hours", "Travel", "152.16"):
        assert expected in pdf_text, expected
    qr = Image.open(io.BytesIO(epc_qr_png(epc_fields(invoice)))).convert("L")
    images = [image.image.convert("L") for p in reader.pages for image in p.images]
    assert any(
        image.size == qr.size and ImageChops.difference(image, qr).getbbox() is None
        for image in images
    ), "the PDF holds the invoice's EPC QR code"
    assert axe(page) == []

    # The team manager sees it to pay, with the QR code.
    manager = new_page()
    sign_in(manager, stack.url, caller.email)
    manager.goto(stack.url + "/portal/invoices/")
    expect(manager.locator("main")).to_contain_text("Sent")
    submit(manager, f"a:has-text('{invoice.number}')")
    expect(manager.locator("main")).to_contain_text(invoice.payment_reference_display)
    expect(manager.locator("img[alt='EPC QR code for a SEPA transfer']")).to_be_visible()
    assert axe(manager) == []

    # The admin records the payment (the form offers the amount due): paid.
    page.fill("form[action$='/payments/'] input[name='reference']", "Bank statement 12")
    submit(page, "form[action$='/payments/'] button")
    expect(page.locator("main")).to_contain_text("The payment is recorded.")
    expect(page.locator(".badge:has-text('Paid')")).to_be_visible()
    expect(page.locator("#invoice-payments")).to_contain_text("Bank statement 12")
    assert axe(page) == []
    manager.reload()
    expect(manager.locator(".badge:has-text('Paid')")).to_be_visible()
    expect(manager.locator("img[alt='EPC QR code for a SEPA transfer']")).to_have_count(0)
