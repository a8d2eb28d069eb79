"""An agent answers with a canned reply: searched in the composer, filled in for
the ticket, edited, then sent (issue 18 §2)."""

import re

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from ecmp.tickets.models import CannedReply, Message
from ecmp.tickets.services.canned import canned_reply_create
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket


def test_an_agent_inserts_a_canned_reply(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(email="user@acme.test", full_name="Robert Schuman", organization=acme)
    ticket = make_ticket(caller, subject="Printer")
    admin = AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)
    canned_reply_create(
        by=admin,
        title="Printer restart",
        body="Hello {customer_first_name}, ticket {ticket_number}: {unknown}",
        language="en",
        shared=True,
    )
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    twofactor.enrol_demo_authenticator(user=agent, secret=twofactor.new_secret())
    desk = new_page()
    sign_in(desk, stack.url, agent.email)

    desk.goto(f"{stack.url}/desk/tickets/{ticket.number}/")
    desk.click("summary:has-text('Insert a canned reply')")
    desk.fill("#canned-search", "restart")
    choice = desk.locator("#canned-picker button")
    expect(choice).to_have_count(1)
    assert axe(desk) == []
    choice.click()
    body = desk.locator("#id_body")
    expect(body).to_have_value(f"Hello Robert, ticket {ticket.number}: {{unknown}}")
    body.fill(body.input_value().replace(": {unknown}", ". Done."))
    submit(desk, "button[name=then][value='']")
    desk.wait_for_url(re.compile(rf"/desk/tickets/{ticket.number}/$"))
    assert Message.objects.get(ticket=ticket).body == f"Hello Robert, ticket {ticket.number}. Done."
    assert CannedReply.objects.get().usage_count == 1
