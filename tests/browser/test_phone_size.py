"""Every main page on a phone (issue 20 §2): at 390 x 844 no page scrolls sideways,
the side menu folds behind the header's menu button and opens from it, the user
menu fits on the screen, the language picker shows its whole label, tables become
stacked rows, and axe finds nothing serious."""

import re

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from ecmp.billing.models import Invoice
from ecmp.sla.models import Contract
from ecmp.tickets.services import ticket_reply
from ecmp.tickets.services.canned import canned_reply_create
from ecmp.tickets.services.categories import category_create
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket
from tests.invoices_data import (
    issue,
    log_time,
    make_contract,
    make_issuer,
    month_start,
    set_rate,
    today,
)

PHONE = {"width": 390, "height": 844}
LONG_SUBJECT = "The accounting software's export to the Belgian tax authority fails"
LONG_WORD = "https://intranet.acme.test/shared/exports/2026/accounting-export-failure.log"

PORTAL_PAGES = {
    "dashboard": "/portal/",
    "service desk": "/portal/service-desk/",
    "new ticket": "/portal/tickets/new/",
    "notifications": "/portal/notifications/",
    "invoices": "/portal/invoices/",
    "account": "/accounts/me/",
}
DESK_PAGES = {
    "home": "/desk/",
    "queue": "/desk/tickets/",
    "new ticket": "/desk/tickets/new/",
    "clients": "/desk/clients/",
    "mail": "/desk/mail/",
    "reports": "/desk/billing/reports/",
    "support reports": "/desk/reports/support/",
    "SLA settings": "/desk/settings/sla/",
    "team": "/desk/team/",
    "categories": "/desk/settings/categories/",
    "canned replies": "/desk/canned-replies/",
    "search results": "/desk/search/?q=accounting",
    "invoices": "/desk/billing/",
}


def make_data():
    acme = OrganizationFactory(name="Acme Industries International")
    alice = UserFactory(
        email="alice.vandenberghe@acme-industries.test",
        full_name="Alice Vandenberghe-Dumoulin",
        organization=acme,
        is_team_manager=True,
    )
    admin = AgentFactory(email="adam@support.test", full_name="Adam Administrator", role=Role.ADMIN)
    twofactor.enrol_demo_authenticator(user=admin, secret=twofactor.new_secret())
    category_create(by=admin, name_en="Accounting software", name_fr="Logiciel comptable")
    canned_reply_create(
        by=admin,
        title="We are looking into it",
        body="Hello {customer_name}, we are looking into it.",
        language="en",
        shared=True,
    )
    ticket = make_ticket(alice, subject=LONG_SUBJECT, description=f"See {LONG_WORD}")
    ticket_reply(ticket=ticket, author=admin, body=f"Could you send {LONG_WORD} again?")
    ticket_reply(ticket=ticket, author=admin, body="Checked the logs.", internal=True)
    make_ticket(alice, subject="Printer offline")
    set_rate(acme)
    make_issuer(admin)
    make_contract(acme)
    log_time(ticket, admin, 90)
    issue(admin, acme)
    return acme, alice, admin, ticket


def other_pages(acme, ticket):
    """Pages off the main paths, walked once as their reader."""
    invoice = Invoice.objects.get(organization=acme)
    contract = Contract.objects.get(organization=acme)
    draft = f"/desk/billing/draft/?organization={acme.pk}&start={month_start()}&end={today()}"
    portal = {
        "followed": "/portal/followed/",
        "contract": "/portal/contract/",
        "my team": "/portal/team/requests/",
        "password": "/accounts/password/change/",
        "two-factor": "/accounts/2fa/",
    }
    desk = {
        "audit log": "/desk/audit/",
        "outbox": "/desk/mail/out/",
        "registration requests": "/desk/registration-requests/",
        "invite": "/desk/users/invite/",
        "issuer": "/desk/billing/issuer/",
        "an invoice": f"/desk/billing/invoices/{invoice.pk}/",
        "a draft": draft,
        "a contract": f"/desk/contracts/{contract.pk}/",
        "a contract's edit": f"/desk/contracts/{contract.pk}/edit/",
        "a person": f"/desk/people/{ticket.requester_id}/edit/",
        "new client": "/desk/clients/new/",
        "saved views": "/desk/tickets/views/",
    }
    return portal, desk


def phone_page(new_page):
    page = new_page()
    page.set_viewport_size(PHONE)
    return page


# What sticks out past the screen's right edge, for the failure message.
WIDEST = """() => [...document.querySelectorAll("main *, header *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5)
  .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}` +
    ` ${Math.round(el.getBoundingClientRect().right)}px`)"""


IN_THE_MENU = "() => !!document.activeElement.closest('#app-menu')"


def check_page(stack, page, url, name, axe):
    """What is wrong with the page on a phone: an empty list when nothing is."""
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    stack.shot(page, "phone-" + re.sub(r"\W+", "-", name))
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{name}: {width} px wide: {page.evaluate(WIDEST)}")
    problems += [f"{name}: {violation}" for violation in axe(page)]
    # The side menu is folded; the menu button opens it, and it closes again.
    menu = page.locator("#app-menu")
    expect(menu).not_to_be_visible()
    page.click("#app-menu-button")
    expect(menu).to_be_visible()
    expect(menu.locator("a.nav-link").first).to_be_in_viewport()
    page.wait_for_function(IN_THE_MENU)  # opened: the focus has moved into it
    page.click("#app-menu .btn-close")
    expect(menu).not_to_be_visible()
    return problems


def check_language_picker(page, label):
    """The picker shows its whole label, with room to spare."""
    picker = page.locator("#language-switch")
    expect(picker.locator("option:checked")).to_have_text(label)
    room = page.evaluate(
        """() => {
          const select = document.getElementById("language-switch");
          const probe = document.createElement("span");
          probe.style.font = getComputedStyle(select).font;
          probe.textContent = select.selectedOptions[0].textContent;
          document.body.append(probe);
          const needed = probe.getBoundingClientRect().width;
          probe.remove();
          return select.getBoundingClientRect().width - needed;
        }"""
    )
    assert room > 20, f"the language picker cuts its label {label!r}"


def check_header(page):
    """The user menu opens inside the screen; the language picker reads in full."""
    check_language_picker(page, "English")
    page.click(".app-header .dropdown-toggle")
    menu = page.locator(".app-header .dropdown-menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    expect(menu.locator("a:has-text('My account')")).to_be_in_viewport()
    page.keyboard.press("Escape")


def test_the_portal_on_a_phone(stack, new_page, axe):
    _, alice, _, ticket = make_data()
    page = phone_page(new_page)
    sign_in(page, stack.url, alice.email)
    pages = {**PORTAL_PAGES, "a ticket": f"/portal/tickets/{ticket.number}/"}
    problems = []
    for name, path in pages.items():
        problems += check_page(stack, page, stack.url + path, f"portal {name}", axe)
    assert problems == [], "\n".join(problems)
    check_header(page)

    # The customer's ticket page shows the reply, never the internal note.
    page.goto(stack.url + f"/portal/tickets/{ticket.number}/")
    expect(page.locator("main")).to_contain_text("Could you send")
    expect(page.locator("main")).not_to_contain_text("Checked the logs.")

    # The open menu is a dialog named "Main menu", clean for axe, and Escape closes it.
    page.goto(stack.url + "/portal/")
    page.click("#app-menu-button")
    menu = page.get_by_role("dialog", name="Main menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Service desk")).to_be_visible()
    page.wait_for_function(IN_THE_MENU)
    assert axe(page) == []
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.locator("#app-menu-button")).to_be_focused()

    # The ticket table is stacked rows: a subject reads as words, not letter by letter.
    page.goto(stack.url + "/portal/service-desk/")
    subject = page.locator("main table td", has_text=LONG_SUBJECT).first
    expect(subject).to_be_visible()
    assert subject.bounding_box()["width"] > 200
    assert subject.bounding_box()["height"] < 120
    expect(subject).to_have_attribute("data-label", "Subject")
    label_width = subject.evaluate("(cell) => getComputedStyle(cell, '::before').width")
    assert float(label_width.removesuffix("px")) > 80, label_width

    # In French the picker reads "Français" in full.
    with page.expect_navigation():
        page.select_option("#language-switch", "fr")
    check_language_picker(page, "Français")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_desk_on_a_phone(stack, new_page, axe):
    acme, _, admin, ticket = make_data()
    page = phone_page(new_page)
    sign_in(page, stack.url, admin.email)
    pages = {
        **DESK_PAGES,
        "a ticket": f"/desk/tickets/{ticket.number}/",
        "a client": f"/desk/clients/{acme.pk}/",
    }
    problems = []
    for name, path in pages.items():
        problems += check_page(stack, page, stack.url + path, f"desk {name}", axe)
    assert problems == [], "\n".join(problems)
    check_header(page)

    # The header's search is reachable and leads to the results.
    page.fill("#ticket-jump", "accounting")
    with page.expect_navigation():
        page.press("#ticket-jump", "Enter")
    assert re.search(r"/desk/(search|tickets)/", page.url)

    # The queue's rows are stacked, each cell under its column's heading; the
    # support reports' grouped headings name both levels.
    page.goto(stack.url + "/desk/tickets/")
    expect(page.locator("table.table-stack td[data-label='Subject']").first).to_be_visible()
    page.goto(stack.url + "/desk/reports/support/")
    agents = page.locator("table[data-table='agents'] tbody tr").first
    expect(agents.locator("[data-label='First response · Median']")).to_have_count(1)
    expect(agents.locator("[data-label='Resolution · Median']")).to_have_count(1)


def test_the_other_pages_on_a_phone(stack, new_page, axe):
    acme, alice, admin, ticket = make_data()
    portal, desk = other_pages(acme, ticket)
    problems = []
    page = phone_page(new_page)
    sign_in(page, stack.url, alice.email)
    for name, path in portal.items():
        problems += check_page(stack, page, stack.url + path, f"portal {name}", axe)
    page = phone_page(new_page)
    sign_in(page, stack.url, admin.email)
    for name, path in desk.items():
        problems += check_page(stack, page, stack.url + path, f"desk {name}", axe)
    assert problems == [], "\n".join(problems)


def test_the_desk_on_a_small_tablet(stack, new_page):
    """At 768 px the side menu is shown beside the page, and the page still fits."""
    acme, _, admin, ticket = make_data()
    page = new_page()
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, stack.url, admin.email)
    pages = {
        **DESK_PAGES,
        "a ticket": f"/desk/tickets/{ticket.number}/",
        "a client": f"/desk/clients/{acme.pk}/",
    }
    problems = []
    for name, path in pages.items():
        page.goto(stack.url + path)
        expect(page.locator("#app-menu")).to_be_visible()
        expect(page.locator("#app-menu-button")).to_be_hidden()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 768:
            problems.append(f"{name}: {width} px wide: {page.evaluate(WIDEST)}")
    assert problems == [], "\n".join(problems)


def test_the_public_pages_on_a_phone(stack, new_page, axe):
    """Before signing in: no side menu, and the pages fit too."""
    page = phone_page(new_page)
    problems = []
    for path in ("/", "/accounts/login/", "/accounts/password/reset/"):
        page.goto(stack.url + path)
        expect(page.locator("#app-menu-button")).to_have_count(0)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{path}: {width} px wide: {page.evaluate(WIDEST)}")
        problems += [f"{path}: {violation}" for violation in axe(page)]
        check_language_picker(page, "English")
    assert problems == [], "\n".join(problems)
