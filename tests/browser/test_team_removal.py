"""A team manager asks to remove a colleague who left (issue 20, §4), from the
"My team" page: the form opens under the colleague's name, asks why, and the page
says the request is sent; axe-clean."""

from playwright.sync_api import expect

from ecmp.accounts.models import RemovalRequest
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import OrganizationFactory, UserFactory


def test_a_manager_asks_to_remove_a_colleague(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme")
    manager = UserFactory(
        email="alice@acme.test", full_name="Alice Martin", organization=acme, is_team_manager=True
    )
    leaver = UserFactory(email="bob@acme.test", full_name="Bob Durand", organization=acme)
    page = new_page()
    sign_in(page, stack.url, manager.email)
    page.goto(stack.url + "/portal/team/requests/")
    item = page.locator("#colleagues + p + ul li", has_text="Bob Durand")
    item.locator("summary", has_text="Ask to remove").click()
    reason = item.get_by_label("Why should the account of Bob Durand be closed?")
    expect(reason).to_be_visible()
    assert axe(page) == []
    reason.fill("Left the company on Friday")
    submit(page, "button:has-text('Send the request')")
    expect(page.locator("body")).to_contain_text(
        "Your request to remove Bob Durand was sent to the support team."
    )
    expect(page.locator("#colleagues + p + ul li", has_text="Bob Durand")).to_contain_text(
        "Removal requested"
    )
    assert axe(page) == []
    removal = RemovalRequest.objects.get()
    assert (removal.person, removal.reason) == (leaver, "Left the company on Friday")
