"""Issue 18 §6: the desk menu counts held mail and pending registration requests,
in one statement for the support team and none for customers."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import RegistrationRequest
from ecmp.desk.menu import _PageCounts
from ecmp.mail.models import InboundEmail
from tests.mailtools import build_mail
from tests.menu_reference import desk_alert_counts


@pytest.fixture
def held(deliver, db):
    """Two messages from strangers, held for an agent; one failed (not counted)."""
    rows = [deliver(build_mail(sender=f"stranger{i}@nowhere.test")) for i in range(3)]
    assert all(row.status == InboundEmail.Status.HELD for row in rows)
    InboundEmail.objects.filter(pk=rows[2].pk).update(status=InboundEmail.Status.FAILED)
    return rows[:2]


@pytest.fixture
def pending(alice):
    """One pending registration request, one already declined (not counted)."""
    make = RegistrationRequest.objects.create
    make(organization=alice.organization, requested_by=alice, full_name="P", email="p@acme.test")
    make(
        organization=alice.organization,
        requested_by=alice,
        full_name="D",
        email="d@acme.test",
        status=RegistrationRequest.Status.DECLINED,
    )


def alert_queries(queries):
    return [
        q["sql"]
        for q in queries
        if "mail_inboundemail" in q["sql"] or "accounts_registrationrequest" in q["sql"]
    ]


def test_the_menu_shows_both_counts_with_an_accessible_label(client_for, agnes, held, pending):
    html = client_for(agnes).get(reverse("desk:home")).content.decode()
    assert 'data-held-mail="2"' in html and "2 messages held" in html
    assert 'data-pending-requests="1"' in html and "1 request pending" in html
    assert re.search(r'<span class="visually-hidden">1 request pending</span>', html)


def test_no_badge_when_there_is_nothing(client_for, adam):
    html = client_for(adam).get(reverse("desk:queue")).content.decode()
    assert "data-held-mail" not in html and "data-pending-requests" not in html


def test_the_counts_cost_one_statement_on_a_desk_page(client_for, agnes, held, pending):
    client = client_for(agnes)
    client.get(reverse("desk:home"))  # sessions, caches
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("desk:queue"))
    (both,) = alert_queries(queries)
    assert "mail_inboundemail" in both and "accounts_registrationrequest" in both


def test_the_counts_cost_customers_nothing(client_for, alice, held, pending):
    client = client_for(alice)
    client.get(reverse("portal:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("portal:dashboard")).content.decode()
    assert alert_queries(queries) == []
    assert "data-held-mail" not in html and "data-pending-requests" not in html


def test_the_counts_read_in_one_statement(agnes, held, pending):
    counts = _PageCounts(agnes)
    with CaptureQueriesContext(connection) as queries:
        alerts = counts.alerts()
        counts.unread()  # the bell's, read with them
    assert alerts == {"held_mail": 2, "registration_requests": 1} == desk_alert_counts()
    assert len(queries) == 1


def test_the_menu_speaks_french(client_for, agnes, held, pending):
    agnes.language = "fr"
    agnes.save(update_fields=["language"])
    html = client_for(agnes).get(reverse("desk:home")).content.decode()
    assert 'data-held-mail="2"' in html


def test_the_side_menu_is_each_readers_own(client_for, agnes, adam, alice, bob):
    """Rendered once per language, kind of reader, page and counts (config/side_menu.py):
    what one reader is shown never leaks into another's menu."""
    from django.urls import reverse

    pages = {
        agnes: reverse("desk:queue"),
        adam: reverse("desk:queue"),
        alice: reverse("portal:service-desk"),
        bob: reverse("portal:service-desk"),
    }
    menus = {}
    for _ in range(2):  # the second time from the memo
        for person, page in pages.items():
            html = client_for(person).get(page).content.decode()
            menus.setdefault(person, set()).add(html.split('id="app-menu"')[1].split("</nav>")[0])
    assert all(len(seen) == 1 for seen in menus.values())
    agent, admin, manager, customer = (menus[p].pop() for p in (agnes, adam, alice, bob))
    assert 'href="/desk/tickets/" aria-current="page"' in agent
    assert "Audit log" not in agent and "Audit log" in admin
    assert "My team" in manager and "My team" not in customer
    assert "/desk/" not in customer and "/desk/" not in manager
    french = client_for(agnes)
    french.post(reverse("accounts:set-language"), {"language": "fr", "next": "/"})
    assert "Bureau" in french.get(reverse("desk:queue")).content.decode()
    assert "Bureau" not in client_for(adam).get(reverse("desk:queue")).content.decode()
