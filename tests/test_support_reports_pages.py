"""The support reports' page and its CSV files: who may read them, what they show,
bad periods, and a cost that does not grow with the tickets."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import Organization
from ecmp.tickets.models import Category
from tests.factories import AgentFactory, UserFactory
from tests.support_reports_data import PERIOD, at, build_desk, put


@pytest.fixture
def desk(alice, carol, agnes, adam):
    return build_desk(alice, carol, agnes, adam)


PAGE = reverse("desk:support-reports")
QUERY = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}
TABLES = ["clients", "agents", "categories", "months", "sla", "backlog", "channels"]


def chart(html, name):
    """The data of a chart, as the page's json_script carries it."""
    found = re.search(
        rf'<script id="{name}-chart-data" type="application/json">(.*?)</script>', html
    )
    assert found, name
    return json.loads(found.group(1))


def csv_url(table):
    return reverse("desk:support-report-csv", args=[table])


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_customers_and_agents_are_refused(client_for, alice, agnes, desk):
    """The guard of the time reports beside it: administrators only."""
    for person in (alice, agnes):
        client = client_for(person)
        assert client.get(PAGE, QUERY).status_code == 403
        for table in TABLES:
            assert client.get(csv_url(table), QUERY).status_code == 403


def test_signed_out_goes_to_sign_in(client, desk):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(csv_url("clients")).status_code == 302


def test_writes_are_not_accepted(client_for, adam):
    assert client_for(adam).post(PAGE, QUERY).status_code == 405
    assert client_for(adam).post(csv_url("sla"), QUERY).status_code == 405


def test_the_page_shows_the_periods_figures(client_for, adam, desk):
    response = client_for(adam).get(PAGE, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="opened">8<' in html
    assert 'data-figure="first-response">20 min<' in html
    assert 'data-figure="resolution">2 h 30<' in html
    assert 'data-figure="sla">33.3 %<' in html
    assert "Globex" in html and "Agnes Agent" in html and "No category" in html
    assert 'id="backlog-chart-data"' in html and 'id="months-chart-data"' in html
    assert chart(html, "months") == {
        "labels": ["2024-02", "2024-03"],
        "first_response": [0.17, 0.58],
        "resolution": [1.83, 4.0],
    }
    assert chart(html, "channels") == {"labels": ["Web", "Email", "Phone"], "values": [4, 2, 2]}
    backlog = chart(html, "backlog")
    assert backlog["values"][-1] == 3 and len(backlog["labels"]) == 60
    assert backlog["labels"][0] == "2024-02-01"
    # Linked from the time reports, and back.
    assert reverse("desk:reports") in html
    assert PAGE in client_for(adam).get(reverse("desk:reports")).content.decode()


def test_the_default_period_is_this_month(client_for, adam, alice):
    from datetime import datetime, time

    from django.utils import timezone

    today = timezone.localdate()
    # This month's, even in the first minutes of the 1st.
    month_start = timezone.make_aware(datetime.combine(today.replace(day=1), time()))
    put(alice, max(timezone.now() - timedelta(minutes=5), month_start), channel="chat")
    response = client_for(adam).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{today.replace(day=1).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert 'data-figure="opened">1<' in html
    end = today.replace(day=1) - timedelta(days=1)
    assert f"?start={end.replace(day=1).isoformat()}&amp;end={end.isoformat()}" in html


def test_one_client(client_for, adam, acme, desk):
    response = client_for(adam).get(PAGE, {**QUERY, "organization": acme.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="opened">5<' in html
    table = html[html.index('data-table="clients"') :]
    table = table[: table.index("</table>")]
    assert "Acme" in table and "Globex" not in table
    rows = rows_of(client_for(adam).get(csv_url("sla"), {**QUERY, "organization": acme.pk}))
    assert [row[0] for row in rows[1:]] == ["Acme"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start": "2024-03-31", "end": "2024-02-01"},
            "The end of the period is before its start.",
        ),
        ({"start": "2020-01-01", "end": "2024-01-01"}, "Choose a period of two years at most."),
        ({"start": "yesterday", "end": "2024-01-01"}, "Enter a valid date."),
        ({**QUERY, "organization": "999999"}, "Select a valid choice."),
    ],
)
def test_a_bad_period_is_explained(client_for, adam, desk, query, message):
    client = client_for(adam)
    response = client.get(PAGE, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "data-figure" not in response.content.decode()
    answer = client.get(csv_url("clients"), query)
    assert answer.status_code == 400 and message in answer.content.decode()


def test_an_unknown_table_does_not_exist(client_for, adam):
    response = client_for(adam).get("/desk/reports/support/passwords.csv")
    assert response.status_code == 404


def test_csv_of_times(client_for, adam, desk):
    client = client_for(adam)
    header_tail = [
        "first_responses",
        "first_response_median_minutes",
        "first_response_p90_minutes",
        "resolved",
        "resolution_median_minutes",
        "resolution_p90_minutes",
    ]
    clients = rows_of(client.get(csv_url("clients"), QUERY))
    assert clients == [
        ["client", *header_tail],
        ["Acme", "4", "25.0", "37.0", "4", "150.0", "1566.0"],
        ["Globex", "3", "15.0", "51.0", "2", "200.0", "280.0"],
    ]
    agents = rows_of(client.get(csv_url("agents"), QUERY))
    assert agents[-1] == ["Unassigned", "1", "40.0", "40.0", "0", "", ""]
    categories = rows_of(client.get(csv_url("categories"), QUERY))
    assert [row[0] for row in categories] == ["category", "Hardware", "Network", "No category"]
    months = rows_of(client.get(csv_url("months"), QUERY))
    assert months[1:] == [
        ["2024-02", "3", "10.0", "18.0", "4", "110.0", "1548.0"],
        ["2024-03", "4", "35.0", "54.0", "2", "240.0", "288.0"],
    ]


def test_csv_of_sla_backlog_and_channels(client_for, adam, desk):
    client = client_for(adam)
    sla = rows_of(client.get(csv_url("sla"), QUERY))
    assert sla[0][:3] == ["organization", "tickets", "first_response_met"]
    assert sla[1] == ["Acme", "5", "3", "2", "60.0", "2", "1", "66.7", "1", "3", "25.0"]
    backlog = rows_of(client.get(csv_url("backlog"), QUERY))
    assert backlog[0] == ["day", "open_tickets", "opened", "closed"]
    assert backlog[1] == ["2024-02-01", "1", "0", "0"]
    assert backlog[-1] == ["2024-03-31", "3", "0", "0"]
    channels = rows_of(client.get(csv_url("channels"), QUERY))
    assert channels == [["channel", "tickets"], ["web", "4"], ["email", "2"], ["phone", "2"]]


def test_csv_cells_are_never_formulas(client_for, adam):
    sneaky = Organization.objects.create(name='=HYPERLINK("http://evil")')
    put(UserFactory(organization=sneaky), at(2, 5), first=10)
    rows = rows_of(client_for(adam).get(csv_url("clients"), QUERY))
    assert rows[1][0].startswith("'=HYPERLINK")


def queries_for(client, url, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured)


def test_the_cost_does_not_grow_with_tickets_clients_agents_or_categories(client_for, adam, desk):
    client = client_for(adam)
    urls = [PAGE, *(csv_url(table) for table in TABLES)]
    few = [queries_for(client, url, QUERY) for url in urls]
    for n in range(6):
        organization = Organization.objects.create(name=f"More {n}")
        category = Category.objects.create(name_en=f"Kind {n}", name_fr=f"Sorte {n}")
        put(
            UserFactory(organization=organization),
            at(2 + n % 2, 3 + n),
            first=n + 1,
            closed=10 * (n + 1),
            assignee=AgentFactory(),
            category=category,
            channel="chat",
        )
    assert [queries_for(client, url, QUERY) for url in urls] == few
    # Session, user, the reads (times in one statement, SLA and its names, backlog in
    # three, channels), the menu's counts, the organizations of the filter; on
    # PostgreSQL also the savepoint and the settings of report_reading.
    assert few[0] <= 15
