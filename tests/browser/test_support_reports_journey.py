"""The support manager reads the month's figures (issue 18 §7): from the time reports
to the support team's tab, charts drawn under the site's Content-Security-Policy,
last month in one click, a table as a CSV file."""

import re
from datetime import datetime, time, timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from ecmp.accounts import twofactor
from ecmp.accounts.models import Role
from tests.browser.conftest import pytestmark  # noqa: F401 - skip without a browser
from tests.browser.test_journeys import sign_in, submit
from tests.factories import AgentFactory, OrganizationFactory, UserFactory
from tests.support_reports_data import put


def drawn(page, canvas_id):
    return page.evaluate(
        "(id) => !!(window.Chart && Chart.getChart(document.getElementById(id)))", canvas_id
    )


def test_the_manager_reads_the_months_figures(stack, new_page, axe):
    acme = OrganizationFactory(name="Acme Industries")
    caller = UserFactory(email="user@acme.test", full_name="Robert Schuman", organization=acme)
    manager = AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)
    twofactor.enrol_demo_authenticator(user=manager, secret=twofactor.new_secret())
    # This month's, even just after midnight on the 1st.
    month_start = timezone.make_aware(datetime.combine(timezone.localdate().replace(day=1), time()))
    opened = max(timezone.now() - timedelta(hours=3), month_start + timedelta(minutes=1))
    put(caller, opened, first=20, closed=90, assignee=manager, channel="phone")
    put(caller, opened + timedelta(minutes=5), first=40, assignee=manager)
    page = new_page()
    sign_in(page, stack.url, manager.email)

    page.goto(stack.url + "/desk/billing/reports/")
    submit(page, "a.nav-link:has-text('Support team')")
    page.wait_for_url(re.compile(r"/desk/reports/support/$"))
    expect(page.locator('[data-figure="opened"]')).to_have_text("2")
    expect(page.locator('[data-figure="first-response"]')).to_have_text("30 min")
    expect(page.locator('table[data-table="agents"]')).to_contain_text("Adam Admin")
    for chart in ("backlog-chart", "months-chart", "channels-chart"):
        page.wait_for_function(
            "(id) => window.Chart && Chart.getChart(document.getElementById(id))", arg=chart
        )
        assert drawn(page, chart), chart
    assert axe(page) == []

    with page.expect_download() as download:
        page.click("a[href*='/reports/support/agents.csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("agent,first_responses,")
    assert "Adam Admin,2,30.0," in text

    submit(page, "a:has-text('Last month')")
    assert "start=" in page.url
    expect(page.locator('[data-figure="opened"]')).to_have_text("0")
