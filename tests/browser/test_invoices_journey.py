"""An admin bills this month's support with a free line (issue 19 §3): the issuer's
page, the draft (current month by default), the issued invoice with its payment
reference and EPC QR code, each page clean for axe."""

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket
from tests.invoices_data import log_time, make_contract, make_issuer, set_rate


def test_an_admin_bills_the_month_with_a_free_line(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(email="user@acme.test", full_name="Robert Schuman", organization=acme)
    admin = AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)
    twofactor.enrol_demo_authenticator(user=admin, secret=twofactor.new_secret())
    set_rate(acme)
    make_issuer(admin)
    make_contract(acme)
    ticket = make_ticket(caller, subject="Printer on fire")
    log_time(ticket, admin, 60)
    page = new_page()
    sign_in(page, stack.url, admin.email)

    page.goto(stack.url + "/desk/billing/")
    submit(page, "a:has-text('Issuer details')")
    expect(page.locator("#id_iban")).to_have_value("BE71096123456769")
    assert axe(page) == []

    page.goto(stack.url + "/desk/billing/")
    page.select_option("#id_organization", label="Acme Industries")
    submit(page, "button:has-text('Prepare the draft')")
    expect(page.locator("main")).to_contain_text(f"{ticket.number} — Printer on fire")
    page.fill("#id_description", "Travel")
    page.fill("#id_quantity", "37.5")
    page.fill("#id_unit_price", "0.42")
    submit(page, "button:has-text('Add')")
    expect(page.locator("main")).to_contain_text("15.75")
    assert axe(page) == []
    submit(page, "button:has-text('Issue the invoice')")
    expect(page.locator("h1")).to_contain_text("Invoice")
    expect(page.locator("table")).to_contain_text(str(ticket.number))
    expect(page.locator("main")).to_contain_text("+++")
    expect(page.locator("img[alt='EPC QR code for a SEPA transfer']")).to_be_visible()
    assert axe(page) == []
