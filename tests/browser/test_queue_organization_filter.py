"""The queue's organization filter: an autocomplete (desk/queue.html, static/js/ecmp.js).
An agent types part of a client's name, picks it by keyboard or by mouse; the list and
the address follow (`organization=<id>`, as the select it replaced), and emptying the
box clears the filter."""

import re

from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import User
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in
from tests.factories import AgentFactory, OrganizationFactory, UserFactory, make_ticket


def test_an_agent_filters_the_queue_by_a_client_found_by_name(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    societe = OrganizationFactory(name="Société Générale")
    for n in range(12):
        OrganizationFactory(name=f"Other client {n}")
    make_ticket(UserFactory(email="a@acme.test", organization=acme), subject="Acme's printer")
    make_ticket(UserFactory(email="s@sg.test", organization=societe), subject="SG's network")
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    twofactor.enrol_demo_authenticator(user=agent, secret=twofactor.new_secret())
    desk = new_page()
    sign_in(desk, stack.url, agent.email)
    desk.goto(stack.url + "/desk/tickets/")
    box = desk.locator("#id_organization")
    listing = desk.locator("#queue-list")
    expect(listing).to_contain_text("Acme's printer")
    expect(listing).to_contain_text("SG's network")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")

    # By keyboard: a few letters, Down to the first suggestion, Enter.
    box.press_sequentially("acme ind", delay=30)
    options = desk.locator("#organization-options [role=option]")
    expect(options).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")
    # The suggestions are fetched, never pushed into the address: reloaded, the
    # address must still be the queue (the form's hx-push-url is not inherited).
    assert "/desk/tickets/" in desk.url and "name=" not in desk.url
    assert axe(desk) == []
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", f"organization-option-{acme.pk}")
    box.press("Enter")
    desk.wait_for_url(re.compile(rf"[?&]organization={acme.pk}(&|$)"))
    expect(listing).not_to_contain_text("SG's network")
    expect(listing).to_contain_text("Acme's printer")
    expect(box).to_have_value("Acme Industries")
    expect(box).to_have_attribute("aria-expanded", "false")
    assert "organization_name" not in desk.url and "name=" not in desk.url

    # Typing without choosing changes nothing; leaving the box puts the name back.
    box.fill("zzz")
    expect(desk.locator("#organization-options")).to_contain_text("No organization found.")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    desk.locator("#id_q").focus()
    expect(box).to_have_value("Acme Industries")
    expect(listing).to_contain_text("Acme's printer")

    # By mouse, without the accents.
    box.fill("")  # emptied: the filter goes
    desk.wait_for_url(re.compile(r"[?&]organization=(&|$)"))
    expect(listing).to_contain_text("SG's network")
    box.press_sequentially("societe", delay=30)
    desk.locator(f"#organization-option-{societe.pk}").click()
    desk.wait_for_url(re.compile(rf"[?&]organization={societe.pk}(&|$)"))
    expect(listing).not_to_contain_text("Acme's printer")
    expect(box).to_have_value("Société Générale")

    # The address keeps the filter: reloaded (or a saved view), the box shows the client.
    desk.reload()
    expect(desk.locator("#id_organization")).to_have_value("Société Générale")
    expect(desk.locator("#queue-list")).to_contain_text("SG's network")
    expect(desk.locator("#queue-list")).not_to_contain_text("Acme's printer")
    assert axe(desk) == []


def test_the_box_in_french(stack, new_page):
    OrganizationFactory(name="Acme Industries")
    agent = AgentFactory(email="agnes@support.test", full_name="Agnes Agent")
    twofactor.enrol_demo_authenticator(user=agent, secret=twofactor.new_secret())
    desk = new_page()
    sign_in(desk, stack.url, agent.email)  # in English, as the helper reads the pages
    User.objects.filter(pk=agent.pk).update(language="fr")
    desk.goto(stack.url + "/desk/tickets/")
    expect(desk.locator("label[for=id_organization]")).to_have_text("Organisation")
    box = desk.locator("#id_organization")
    expect(box).to_have_attribute("placeholder", "Toutes les organisations")
    box.press_sequentially("acme", delay=30)
    expect(desk.locator("#organization-options [role=option]")).to_have_count(1)
