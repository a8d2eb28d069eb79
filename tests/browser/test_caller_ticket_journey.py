"""An agent takes a phone call: finds the caller by name with the picker (htmx, by
keyboard) and opens a ticket in their name (issue 18 §1)."""

import re

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.tickets.models import Ticket
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory


def test_an_agent_opens_a_ticket_for_a_caller(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(
        email="user@acme.test", full_name="Robert Schuman", organization=acme, phone="06 12 34"
    )
    UserFactory(email="other@acme.test", full_name="Jean Monnet", organization=acme)
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    twofactor.enrol_demo_authenticator(user=agent, secret=twofactor.new_secret())
    desk = new_page()
    sign_in(desk, stack.url, agent.email)

    desk.goto(stack.url + "/desk/")
    desk.click("a:has-text('New ticket')")
    desk.wait_for_url(re.compile(r"/desk/tickets/new/$"))
    desk.fill("#id_who", "Schuman")
    choice = desk.locator("#people-picker input[type=radio]")
    expect(choice).to_have_count(1)
    expect(desk.locator("#people-picker")).to_contain_text("user@acme.test")
    expect(desk.locator("#people-picker")).to_contain_text("06 12 34")
    desk.press("#id_who", "Tab")  # past the Search button, to the list
    desk.keyboard.press("Tab")
    desk.keyboard.press("Space")
    expect(choice).to_be_checked()
    desk.fill("#id_subject", "Cannot print since this morning")
    desk.fill("#id_description", "Called at 9:10.")
    desk.select_option("#id_channel", "phone")
    assert axe(desk) == []
    submit(desk, "button:has-text('Create ticket')")
    ticket = Ticket.objects.get()
    desk.wait_for_url(re.compile(rf"/desk/tickets/{ticket.number}/$"))
    expect(desk.locator("main")).to_contain_text("Phone")
    assert ticket.requester == caller and ticket.channel == "phone"
