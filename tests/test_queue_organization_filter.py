"""The queue's organization filter is an autocomplete (desk/queue.html): the page writes
the chosen client's name and id, never the list of every client; the suggestions come
from a staff-only endpoint, nearest names first."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.selectors import organization_name
from tests.factories import OrganizationFactory, make_ticket

QUEUE = reverse("desk:queue")
PICKER = reverse("desk:organization-picker")


def _options(html):
    return re.findall(r'<li [^>]*role="option"[^>]*data-value="(\d+)">([^<]*)</li>', html)


def test_the_suggestions_are_the_clients_named_like_the_text(client_for, agnes):
    societe = OrganizationFactory(name="Société Générale des Eaux")
    OrganizationFactory(name="Globex")
    for n in range(14):
        OrganizationFactory(name=f"Soc Partner {n:02}")
    desk = client_for(agnes)
    html = desk.get(PICKER, {"name": "societe generale"}).content.decode()
    assert _options(html)[0] == (str(societe.pk), "Société Générale des Eaux")  # best first
    html = desk.get(PICKER, {"name": "Partner"}).content.decode()
    found = _options(html)
    assert len(found) == 10  # the first ten: typing more narrows them
    assert all(name.startswith("Soc Partner") for _pk, name in found)
    assert 'role="listbox"' in html and " hidden" not in html.split(">")[0]


def test_nothing_found_says_so_and_no_text_lists_nothing(client_for, agnes, acme):
    desk = client_for(agnes)
    html = desk.get(PICKER, {"name": "zzqqxx"}).content.decode()
    assert _options(html) == []
    assert 'aria-disabled="true">No organization found.</li>' in html

    def searches(name):
        with CaptureQueriesContext(connection) as queries:
            html = desk.get(PICKER, {"name": name}).content.decode()
        return html, [q for q in queries if 'FROM "accounts_organization"' in q["sql"]]

    assert searches("zzqqxx")[1]  # a search reads the organizations
    for empty in ("", "   ", "\x00"):
        html, read = searches(empty)
        assert read == []  # nothing to search: no query
        assert _options(html) == []
        assert "No organization found." not in html
        assert 'role="listbox"' in html


def test_the_suggestions_escape_the_names(client_for, agnes):
    OrganizationFactory(name="<b>Bold</b> & Co")
    html = client_for(agnes).get(PICKER, {"name": "Bold"}).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "<b>Bold</b>" not in html


def test_only_the_support_team_gets_suggestions(client, client_for, alice, acme):
    assert client_for(alice).get(PICKER, {"name": "Acme"}).status_code == 403
    answer = client.get(PICKER, {"name": "Acme"})
    assert answer.status_code == 302  # to the sign-in page
    assert "Acme" not in answer.content.decode()


def test_the_box_is_in_french(client_for, agnes):
    agnes.language = "fr"
    agnes.save(update_fields=["language"])
    html = client_for(agnes).get(QUEUE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'for="id_organization">Organisation</label>' in html
    assert 'placeholder="Toutes les organisations"' in html


def test_the_queue_reads_the_chosen_client_alone(client_for, agnes, alice, acme, globex):
    for n in range(30):
        OrganizationFactory(name=f"Zebra Works {n}")
    make_ticket(alice, subject="Acme's printer")
    desk = client_for(agnes)
    with CaptureQueriesContext(connection) as queries:
        html = desk.get(QUEUE, {"queue": "open", "organization": acme.pk}).content.decode()
    assert "Zebra Works" not in html and "Globex" not in html
    # Every client's name was read for the select: now the chosen one's, by its id.
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "accounts_organization"')]
    assert len(reads) == 1 and 'WHERE "accounts_organization"."id" =' in reads[0], reads
    assert 'id="id_organization" value="Acme"' in html
    assert "Acme&#39;s printer" in html
    # Without a client chosen, no client is read at all for the filter bar.
    with CaptureQueriesContext(connection) as queries:
        desk.get(QUEUE, {"queue": "open"})
    assert not any(q["sql"].startswith('SELECT "accounts_organization"') for q in queries)


def test_the_chosen_name_is_read_fresh(acme):
    assert organization_name(acme.pk) == "Acme"
    type(acme).objects.filter(pk=acme.pk).update(name="Acme Two")
    assert organization_name(acme.pk) == "Acme Two"
    assert organization_name(acme.pk + 1000) is None
