"""An agent's phone call, from the first word to the bill (issue 18): the caller found
by name in the requester picker, a ticket opened for them on the Phone channel, a
canned reply inserted from the composer and filled in for them, the time typed in
the composer, then "Send and close". A colleague opening the same ticket sees that
the agent is on it, and writing (presence, §5)."""

import re

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from ecmp.billing.models import TimeEntry
from ecmp.tickets.models import CannedReply, Ticket
from ecmp.tickets.services.canned import canned_reply_create
from ecmp.tickets.status import Status
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory

CANNED = (
    "Hello {customer_first_name}, this is {agent_name} about ticket {ticket_number}: "
    "the print queue is cleared and your printer works again."
)


def test_an_agent_takes_a_phone_call_and_closes_it_with_time(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(
        email="robert@acme.test", full_name="Robert Schuman", organization=acme, phone="06 12 34"
    )
    UserFactory(email="jean@acme.test", full_name="Jean Monnet", organization=acme)
    admin = AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)
    canned_reply_create(
        by=admin, title="Print queue cleared", body=CANNED, language="en", shared=True
    )
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    colleague = AgentFactory(email="bruno@support.test", full_name="Bruno Bernard")
    for person in (agent, colleague):
        twofactor.enrol_demo_authenticator(user=person, secret=twofactor.new_secret())

    # The phone rings: the caller gives their name, not a ticket number.
    desk = new_page()
    sign_in(desk, stack.url, agent.email)
    desk.goto(stack.url + "/desk/")
    desk.click("a:has-text('New ticket')")
    desk.wait_for_url(re.compile(r"/desk/tickets/new/$"))
    desk.fill("#id_who", "Schuman")
    picker = desk.locator("#people-picker")
    expect(picker.locator("input[type=radio]")).to_have_count(1)
    expect(picker).to_contain_text("robert@acme.test")
    picker.locator("label", has_text="Robert Schuman").click()
    expect(picker.locator("input[type=radio]")).to_be_checked()
    desk.select_option("#id_channel", "phone")
    desk.fill("#id_subject", "Printer stuck since this morning")
    desk.fill("#id_description", "Called at 9:10: nothing prints, the queue shows 40 jobs.")
    stack.shot(desk, "phone-call-1-new-ticket")
    submit(desk, "button:has-text('Create ticket')")
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.channel) == (caller, "phone")
    page_url = f"{stack.url}/desk/tickets/{ticket.number}/"
    desk.wait_for_url(page_url)
    expect(desk.locator("main")).to_contain_text("Phone")

    # A colleague opens the same ticket: they see the agent is on it.
    other = new_page()
    sign_in(other, stack.url, colleague.email)
    other.goto(page_url)
    expect(other.locator("#ticket-presence")).to_contain_text("Agnes Agent is viewing")

    # The answer: a canned reply, found in the composer, filled in for this caller.
    desk.click("summary:has-text('Insert a canned reply')")
    desk.fill("#canned-search", "print queue")
    choice = desk.locator("#canned-picker button")
    expect(choice).to_have_count(1)
    choice.click()
    body = desk.locator("#id_body")
    filled = (
        f"Hello Robert, this is Agnes Agent about ticket {ticket.number}: "
        "the print queue is cleared and your printer works again."
    )
    expect(body).to_have_value(filled)

    # The agent edits it: their page tells the server at once that they are writing.
    def typing_told(response):
        sent = response.request.post_data or ""
        return response.url.endswith("/presence/") and response.ok and "typing=on" in sent

    with desk.expect_response(typing_told):
        body.press("End")
        body.press_sequentially(" Best regards.")
    filled += " Best regards."
    other.reload()
    presence = other.locator("#ticket-presence")
    expect(presence).to_contain_text("Agnes Agent is typing a reply")
    assert axe(other) == []
    stack.shot(other, "phone-call-2-colleague-sees-typing")

    # Time in the composer, and one click sends, logs and closes.
    desk.fill("#id_time", "15m")
    assert axe(desk) == []
    stack.shot(desk, "phone-call-3-composer")
    submit(desk, "button[name=then][value=closed]")
    desk.wait_for_url(page_url)
    expect(desk.locator("main")).to_contain_text("Closed")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    entry = TimeEntry.objects.get(ticket=ticket)
    assert (entry.minutes, entry.agent) == (15, agent)
    assert ticket.messages.get().body == filled
    assert CannedReply.objects.get().usage_count == 1
    email = stack.wait_for_mail(
        lambda m: caller.email in (m["To"] or "") and "print queue is cleared" in stack.text_of(m)
    )
    text = stack.text_of(email)
    assert filled in " ".join(text.split())
    assert "{customer_first_name}" not in text and "{agent_name}" not in text
