"""Browser journey (issue 18 §4): a requester adds a colleague as a follower in the
portal; the colleague gets the email, replies to it by email (the inbound pipeline,
their own reply token), and the requester reads the reply in the portal."""

from playwright.sync_api import expect

from ecmp.mail.inbound.pipeline import inbound_store
from ecmp.tickets import services as tickets
from ecmp.tickets.models import TicketFollower
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import OrganizationFactory, UserFactory
from tests.mailtools import build_mail


def test_a_colleague_added_as_follower_replies_by_email(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme")
    robert = UserFactory(email="robert@acme.test", full_name="Robert Schuman", organization=acme)
    UserFactory(email="jeanne@acme.test", full_name="Jeanne Monnet", organization=acme)
    UserFactory(
        email="carl@globex.test", full_name="Carl Other", organization=OrganizationFactory()
    )
    ticket = tickets.ticket_create(
        requester=robert, subject="Scanner offline", description="Since this morning."
    )

    # The requester adds his colleague from the ticket's page.
    page = new_page()
    sign_in(page, stack.url, robert.email)
    page.goto(f"{stack.url}/portal/tickets/{ticket.number}/")
    followers = page.locator("#followers")
    expect(followers).to_contain_text("Followers")
    expect(followers.locator("select option")).to_have_count(2)  # "Choose…" and Jeanne
    followers.locator("select").select_option(label="Jeanne Monnet (jeanne@acme.test)")
    submit(page, "#followers button:has-text('Add')")
    expect(page.locator(".alert-success")).to_contain_text("Jeanne Monnet now follows")
    expect(page.locator("#followers li")).to_contain_text("Jeanne Monnet")
    expect(page.locator("#thread")).to_contain_text("Follower added")
    assert axe(page) == []
    stack.shot(page, "followers-portal")
    assert TicketFollower.objects.filter(ticket=ticket, user__email="jeanne@acme.test").exists()

    # She gets the email, with the link to the ticket, and answers it.
    told = stack.wait_for_mail(lambda m: m["To"] == "jeanne@acme.test")
    assert "Robert Schuman added you as a follower" in stack.text_of(told)
    assert f"/portal/tickets/{ticket.number}/" in stack.link_in(told, "/portal/tickets/")
    message_id = " ".join(told["Message-ID"].split())
    inbound_store(
        build_mail(
            sender="Jeanne Monnet <jeanne@acme.test>",
            subject=f"Re: {told['Subject']}",
            body="It is the one on the second floor.\n\n> Robert Schuman added you",
            headers={"In-Reply-To": message_id, "References": message_id},
        ),
        source="test",
    )

    # The requester reads her reply in the portal, under her name.
    for _ in range(50):
        page.reload()
        if "second floor" in page.locator("#thread").inner_text():
            break
        page.wait_for_timeout(200)
    thread = page.locator("#thread")
    expect(thread).to_contain_text("It is the one on the second floor.")
    expect(thread.locator("li", has_text="second floor")).to_contain_text("Jeanne Monnet")
