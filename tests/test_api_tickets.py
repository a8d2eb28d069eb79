"""/api/v1/tickets: the portal's and the desk's access rules through the API, cursor
pages, filters, ETag / If-Match, problem details, the rate limit, constant queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecmp.tickets.models import Category, Message, Ticket
from ecmp.tickets.services import ticket_reply
from tests.api_helpers import api_as
from tests.factories import AgentFactory, make_ticket

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fresh_rate_counts():
    """The rate limit counts in the cache: a test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tickets(alice, bob, carol, agnes):
    """One ticket each for alice, bob (Acme) and carol (Globex); an internal note on bob's."""
    mine = make_ticket(alice, subject="Printer jammed")
    colleague = make_ticket(bob, subject="Mail bounced")
    other = make_ticket(carol, subject="Globex VPN down")
    ticket_reply(
        ticket=colleague, author=agnes, body="Secret note: bob's manager is cross", internal=True
    )
    return {"alice": mine, "bob": colleague, "carol": other}


def numbers(response):
    assert response.status_code == 200, response.content
    return {item["number"] for item in response.json()["items"]}


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    assert body["instance"].startswith("/api/")
    return body


# --- Who sees what -----------------------------------------------------------------


@pytest.mark.parametrize("managers_see_all", [False, True])
def test_customers_see_the_portal_s_scope(tickets, alice, bob, carol, managers_see_all):
    acme = alice.organization
    acme.managers_see_all_tickets = managers_see_all
    acme.save(update_fields=["managers_see_all_tickets"])
    alice_sees = {tickets["alice"].number} | (
        {tickets["bob"].number} if managers_see_all else set()
    )
    assert numbers(api_as(alice).get("/tickets")) == alice_sees
    assert numbers(api_as(bob).get("/tickets")) == {tickets["bob"].number}
    assert numbers(api_as(carol).get("/tickets")) == {tickets["carol"].number}
    status = 200 if managers_see_all else 404
    assert api_as(alice).get(f"/tickets/{tickets['bob'].number}").status_code == status


def test_agents_and_admins_see_every_ticket(tickets, agnes, adam):
    every = {t.number for t in tickets.values()}
    assert numbers(api_as(agnes).get("/tickets")) == every
    assert numbers(api_as(adam).get("/tickets")) == every


def test_another_company_s_ticket_does_not_exist_for_a_customer(tickets, carol, agnes):
    api = api_as(carol)
    number = tickets["alice"].number
    before = Ticket.objects.get(number=number).version
    assert_problem(api.get(f"/tickets/{number}"), 404)
    for path, data in [
        ("replies", {"body": "Let me in"}),
        ("close", {"note": "done"}),
        ("notes", {"body": "x"}),
        ("accept", {}),
        ("assign", {"assignee": agnes.pk}),
        ("priority", {"priority": 4, "reason": "x"}),
        ("category", {"category": None}),
    ]:
        assert_problem(api.post(f"/tickets/{number}/{path}", data), 404)
    assert Ticket.objects.get(number=number).version == before
    assert not Message.objects.filter(ticket__number=number).exists()
    # Nor through the search, by its number or its words.
    assert numbers(api.get("/tickets", {"q": str(number)})) == set()
    assert numbers(api.get("/tickets", {"q": "Printer"})) == set()


def test_internal_notes_never_reach_a_customer(tickets, bob, agnes):
    number = tickets["bob"].number
    customer = api_as(bob)
    read = customer.get(f"/tickets/{number}")
    assert read.status_code == 200
    assert "Secret note" not in read.content.decode()
    assert read.json()["messages"] == []
    reply = customer.post(f"/tickets/{number}/replies", {"body": "Any news?"})
    assert reply.status_code == 201 and "Secret note" not in reply.content.decode()
    assert [m["body"] for m in reply.json()["messages"]] == ["Any news?"]
    # The customer's search never reads notes.
    assert numbers(customer.get("/tickets", {"q": "cross"})) == set()
    staff = api_as(agnes).get(f"/tickets/{number}").json()
    assert [(m["body"][:11], m["internal"]) for m in staff["messages"]] == [
        ("Secret note", True),
        ("Any news?", False),
    ]
    assert numbers(api_as(agnes).get("/tickets", {"q": "cross"})) == {number}


def test_a_customer_may_not_do_the_support_team_s_work(tickets, alice, agnes):
    number = tickets["alice"].number
    api = api_as(alice)
    for path, data in [
        ("notes", {"body": "x"}),
        ("accept", {}),
        ("wait", {}),
        ("assign", {"assignee": agnes.pk}),
        ("priority", {"priority": 4, "reason": "x"}),
        ("category", {"category": None}),
    ]:
        assert_problem(api.post(f"/tickets/{number}/{path}", data), 403)
    ticket = Ticket.objects.get(number=number)
    assert ticket.version == 1 and ticket.status == "new" and ticket.assignee is None


# --- Writes --------------------------------------------------------------------------


def test_a_customer_opens_replies_to_and_closes_a_ticket(alice):
    api = api_as(alice)
    created = api.post("/tickets", {"subject": "Screen flickers", "description": "Since Monday"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["requester"]["id"] == alice.pk and body["status"] == "new"
    assert created["ETag"] == f'"{body["version"]}"'
    number = body["number"]
    replied = api.post(f"/tickets/{number}/replies", {"body": "It got worse"})
    assert replied.status_code == 201
    closed = api.post(f"/tickets/{number}/close", {"note": "Fixed by a restart"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    # Writing on a closed ticket reopens it, as in the portal (to New: never accepted).
    again = api.post(f"/tickets/{number}/replies", {"body": "It is back"})
    assert again.status_code == 201 and again.json()["status"] == "new"


def test_staff_open_tickets_for_a_client_user_only(alice, agnes):
    api = api_as(agnes)
    refused = assert_problem(
        api.post("/tickets", {"subject": "Call", "description": "Phoned"}), 422
    )
    assert "requester" in refused["detail"]
    assert_problem(
        api.post("/tickets", {"subject": "Call", "description": "Phoned", "requester": agnes.pk}),
        422,
    )
    created = api.post(
        "/tickets",
        {"subject": "Call", "description": "Phoned", "requester": alice.pk, "channel": "phone"},
    )
    assert created.status_code == 201, created.content
    ticket = Ticket.objects.get(number=created.json()["number"])
    assert ticket.requester == alice and ticket.channel == "phone"
    assert Ticket.objects.count() == 1


def test_agents_work_a_ticket_through_the_services(tickets, agnes):
    category = Category.objects.create(name_en="Printers", name_fr="Imprimantes")
    other = AgentFactory(email="otto@support.test", full_name="Otto Agent")
    number = tickets["alice"].number
    api = api_as(agnes)
    accepted = api.post(f"/tickets/{number}/accept")
    assert accepted.json()["status"] == "open" and accepted.json()["assignee"]["id"] == agnes.pk
    assert (
        api.post(f"/tickets/{number}/assign", {"assignee": other.pk}).json()["assignee"]["id"]
        == other.pk
    )
    assert_problem(
        api.post(f"/tickets/{number}/assign", {"assignee": tickets["alice"].requester_id}), 422
    )
    assert (
        api.post(f"/tickets/{number}/priority", {"priority": 4, "reason": "VIP"}).json()["priority"]
        == 4
    )
    filed = api.post(f"/tickets/{number}/category", {"category": category.pk}).json()
    assert filed["category"] == {"id": category.pk, "name": "Printers"}
    assert api.post(f"/tickets/{number}/wait").json()["status"] == "wait"
    assert api.post(f"/tickets/{number}/close", {}).json()["status"] == "closed"
    assert api.post(f"/tickets/{number}/reopen").json()["status"] == "open"
    note = api.post(f"/tickets/{number}/notes", {"body": "Toner ordered"})
    assert note.status_code == 201 and note.json()["messages"][-1]["internal"] is True
    # A refusal of the transition table is a 422 problem in the service's words.
    refused = assert_problem(api.post(f"/tickets/{number}/reopen"), 422)
    assert refused["detail"] == "The ticket is already in this status."


@pytest.mark.parametrize(
    "data",
    [{}, {"body": ""}, {"body": "   "}, {"body": 5}, {"body": None}, {"text": "hello"}],
)
def test_bad_input_is_a_422_problem_and_changes_nothing(tickets, alice, data):
    number = tickets["alice"].number
    body = assert_problem(api_as(alice).post(f"/tickets/{number}/replies", data), 422)
    assert body["detail"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.version == 1 and not ticket.messages.exists()


def test_malformed_json_is_a_problem(tickets, alice):
    api = api_as(alice)
    response = api.client.post(
        f"/api/v1/tickets/{tickets['alice'].number}/replies",
        "{not json",
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith(PROBLEM)


# --- ETag and If-Match ------------------------------------------------------------------


def test_a_stale_if_match_is_412_and_changes_nothing(tickets, alice, agnes):
    number = tickets["alice"].number
    customer, staff = api_as(alice), api_as(agnes)
    read = customer.get(f"/tickets/{number}")
    etag = read["ETag"]
    assert etag == f'"{read.json()["version"]}"'
    # Someone else changes the ticket meanwhile.
    staff.post(f"/tickets/{number}/accept", **{"If-Match": etag})
    stale = customer.post(f"/tickets/{number}/replies", {"body": "Hi"}, **{"If-Match": etag})
    body = assert_problem(stale, 412)
    assert "changed since" in body["detail"]
    assert not Message.objects.filter(ticket__number=number, body="Hi").exists()
    fresh = customer.get(f"/tickets/{number}")["ETag"]
    assert fresh != etag
    ok = customer.post(f"/tickets/{number}/replies", {"body": "Hi"}, **{"If-Match": fresh})
    assert ok.status_code == 201 and ok["ETag"] != fresh
    weak = ok["ETag"].join(("W/", ""))
    assert customer.post(f"/tickets/{number}/close", {}, **{"If-Match": weak}).status_code == 200


@pytest.mark.parametrize("header", ['"abc"', "x", '"-1"', '"99999999999"'])
def test_a_malformed_if_match_is_412(tickets, alice, header):
    number = tickets["alice"].number
    response = api_as(alice).post(
        f"/tickets/{number}/replies", {"body": "Hi"}, **{"If-Match": header}
    )
    assert_problem(response, 412)
    assert not Message.objects.filter(ticket__number=number).exists()


# --- Lists: pages, filters, queries -------------------------------------------------------


def test_cursor_pages_walk_every_ticket_once(alice):
    made = [make_ticket(alice, subject=f"Ticket {i}").number for i in range(7)]
    api = api_as(alice)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/tickets", params).json()
        seen += [item["number"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == sorted(made, reverse=True)
    # A ticket written meanwhile does not shift the next page.
    first = api.get("/tickets", {"limit": 3}).json()
    make_ticket(alice, subject="Newer")
    second = api.get("/tickets", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [i["number"] for i in second["items"]] == seen[3:6]


@pytest.mark.parametrize("cursor", ["garbage", "bjow", "bjotNQ", "eDo1", "%%%"])
def test_a_bad_cursor_is_a_422_problem(alice, cursor):
    make_ticket(alice)
    assert_problem(api_as(alice).get("/tickets", {"cursor": cursor}), 422)


def test_the_desk_s_filters(alice, bob, carol, agnes):
    category = Category.objects.create(name_en="Network", name_fr="Réseau")
    a = make_ticket(alice, subject="Router", category=category)
    b = make_ticket(bob, subject="Keyboard")
    c = make_ticket(carol, subject="Wifi router")
    api = api_as(agnes)
    api.post(f"/tickets/{b.number}/accept")
    api.post(f"/tickets/{c.number}/priority", {"priority": 4, "reason": "Down"})
    assert numbers(api.get("/tickets", {"status": "open"})) == {b.number}
    assert numbers(api.get("/tickets", {"status": "new"})) == {a.number, c.number}
    assert numbers(api.get("/tickets", {"priority": 4})) == {c.number}
    assert numbers(api.get("/tickets", {"assignee": "me"})) == {b.number}
    assert numbers(api.get("/tickets", {"assignee": str(agnes.pk)})) == {b.number}
    assert numbers(api.get("/tickets", {"assignee": "none"})) == {a.number, c.number}
    assert numbers(api.get("/tickets", {"organization": carol.organization_id})) == {c.number}
    assert numbers(api.get("/tickets", {"requester": bob.pk})) == {b.number}
    assert numbers(api.get("/tickets", {"category": category.pk})) == {a.number}
    assert numbers(api.get("/tickets", {"archived": "true"})) == set()
    assert numbers(api.get("/tickets", {"q": "router"})) == {a.number, c.number}
    assert numbers(api.get("/tickets", {"q": str(b.number)})) == {b.number}
    assert numbers(api.get("/tickets", {"q": "router", "organization": alice.organization_id})) == {
        a.number
    }
    # A customer's filters work inside their own scope only.
    assert numbers(api_as(alice).get("/tickets", {"organization": carol.organization_id})) == set()
    assert numbers(api_as(alice).get("/tickets", {"q": "router"})) == {a.number}
    for bad in ({"status": "lost"}, {"priority": 9}, {"assignee": "someone"}, {"limit": 0}):
        assert_problem(api.get("/tickets", bad), 422)


def _list_queries(api, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/tickets", params or {"limit": 100})
    assert response.status_code == 200
    return len(queries), len(response.json()["items"])


@pytest.mark.parametrize("who", ["alice", "agnes"])
def test_the_list_reads_a_constant_number_of_queries(request, alice, agnes, who):
    category = Category.objects.create(name_en="Desk", name_fr="Bureau")
    make_ticket(alice, category=category)
    api = api_as(request.getfixturevalue(who))
    api.get("/tickets")  # the token's first use is recorded: not what is counted
    one, rows = _list_queries(api)
    assert rows == 1
    for i in range(29):
        ticket = make_ticket(alice, subject=f"T{i}", category=category if i % 2 else None)
        if i % 3 == 0:
            api_as(agnes).post(f"/tickets/{ticket.number}/accept")
    many, rows = _list_queries(api)
    assert rows == 30
    assert many == one


def test_the_ticket_page_reads_a_constant_number_of_queries(alice, agnes):
    from tests.factories import upload

    ticket = make_ticket(alice)
    ticket_reply(ticket=ticket, author=alice, body="First", files=[upload("first.png")])
    api = api_as(agnes)
    api.get("/tickets")  # the token's first use is recorded: not what is counted
    with CaptureQueriesContext(connection) as few:
        api.get(f"/tickets/{ticket.number}")
    for i in range(10):
        ticket_reply(ticket=ticket, author=alice, body=f"Reply {i}", files=[upload(f"s{i}.png")])
        ticket_reply(ticket=ticket, author=agnes, body=f"Note {i}", internal=True)
    with CaptureQueriesContext(connection) as many:
        response = api.get(f"/tickets/{ticket.number}")
    assert len(response.json()["messages"]) == 21
    assert len(many) == len(few)


# --- Problems and the rate limit ------------------------------------------------------------


def test_errors_are_problem_details(tickets, alice):
    api = api_as(alice)
    body = assert_problem(api.get("/tickets/999999"), 404)
    assert body["detail"] == "Not found."
    assert_problem(api.get("/no-such-resource"), 404)
    assert_problem(api.get("/tickets/0"), 422)
    assert_problem(api.get("/tickets/abc"), 422)


def test_past_the_rate_a_token_gets_429_with_retry_after(tickets, alice, bob, settings):
    settings.ECMP_API_RATE_PER_MINUTE = 3
    api = api_as(alice)
    for _ in range(3):
        assert api.get("/tickets").status_code == 200
    limited = api.get("/tickets")
    assert_problem(limited, 429)
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Per token: another one is not slowed down.
    assert api_as(bob).get("/tickets").status_code == 200


# --- Files, categories, canned replies ----------------------------------------------------


def test_files_follow_the_portal_s_rules(alice, carol, agnes):
    from tests.factories import upload

    ticket = make_ticket(alice, files=[upload("opening.png")])
    ticket_reply(ticket=ticket, author=alice, body="Log", files=[upload("log.png")])
    ticket_reply(
        ticket=ticket, author=agnes, body="Note", internal=True, files=[upload("note.png")]
    )
    customer, staff = api_as(alice), api_as(agnes)
    read = customer.get(f"/tickets/{ticket.number}").json()
    opening = read["attachments"][0]
    public = read["messages"][0]["attachments"][0]
    assert opening["name"] == "opening.png" and public["name"] == "log.png"
    assert "note.png" not in str(read)
    note_file = staff.get(f"/tickets/{ticket.number}").json()["messages"][1]["attachments"][0]
    assert note_file["name"] == "note.png"
    path = f"/tickets/{ticket.number}/attachments"
    for file in (opening, public):
        response = customer.get(f"{path}/{file['id']}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert_problem(customer.get(f"{path}/{note_file['id']}"), 404)
    assert staff.get(f"{path}/{note_file['id']}").status_code == 200
    assert_problem(api_as(carol).get(f"{path}/{public['id']}"), 404)


def test_categories_in_use(alice):
    Category.objects.create(name_en="Network", name_fr="Réseau", position=2)
    Category.objects.create(name_en="Printers", name_fr="Imprimantes", position=1)
    Category.objects.create(name_en="Old", name_fr="Ancien", active=False)
    api = api_as(alice)
    assert [c["name"] for c in api.get("/categories").json()] == ["Printers", "Network"]
    french = api.get("/categories", **{"Accept-Language": "fr"}).json()
    assert [c["name"] for c in french] == ["Imprimantes", "Réseau"]


def test_canned_replies_for_the_support_team_only(alice, agnes):
    from ecmp.tickets.models import CannedReply

    CannedReply.objects.create(title="Hello", body="Dear {{ customer }}", language="en")
    CannedReply.objects.create(title="Mine", body="x", language="en", owner=agnes)
    other = AgentFactory(email="otto@support.test")
    CannedReply.objects.create(title="Otto's", body="y", language="en", owner=other)
    titles = [r["title"] for r in api_as(agnes).get("/canned-replies").json()]
    assert titles == ["Hello", "Mine"]
    assert api_as(alice).get("/canned-replies").json() == []


def test_a_reply_with_files_is_multipart_and_follows_the_portal_s_limits(tickets, alice, agnes):
    from tests.factories import upload

    number = tickets["alice"].number
    api = api_as(alice)
    path = f"/api/v1/tickets/{number}/messages"
    sent = api.client.post(
        path,
        {"body": "Screenshots", "files": [upload("a.png"), upload("b.png")]},
        headers=api.headers,
    )
    assert sent.status_code == 201, sent.content
    files = sent.json()["messages"][-1]["attachments"]
    assert [f["name"] for f in files] == ["a.png", "b.png"]
    script = upload("run.sh", b"#!/bin/sh\nrm -rf /\n", "text/x-shellscript")
    refused = api.client.post(path, {"body": "Try", "files": [script]}, headers=api.headers)
    assert assert_problem(refused, 422)["detail"].endswith("such files are not accepted.")
    too_many = [upload(f"{i}.png") for i in range(11)]
    assert_problem(
        api.client.post(path, {"body": "x", "files": too_many}, headers=api.headers), 422
    )
    # A customer's "internal" is refused; the agent's is a note.
    assert_problem(
        api.client.post(path, {"body": "psst", "internal": "true"}, headers=api.headers), 403
    )
    staff = api_as(agnes)
    note = staff.client.post(path, {"body": "psst", "internal": "true"}, headers=staff.headers)
    assert note.json()["messages"][-1]["internal"] is True
    assert Message.objects.filter(ticket__number=number).count() == 2


# --- Organizations and people (support team) ------------------------------------------------


def test_organizations_and_people_for_the_support_team_only(tickets, alice, bob, carol, agnes):
    from tests.factories import OrganizationFactory

    for i in range(3):
        OrganizationFactory(name=f"Initech {i}")
    api = api_as(agnes)
    page = api.get("/organizations", {"limit": 2}).json()
    names = [o["name"] for o in page["items"]]
    while page["next_cursor"]:
        page = api.get("/organizations", {"limit": 2, "cursor": page["next_cursor"]}).json()
        names += [o["name"] for o in page["items"]]
    assert names == ["Acme", "Globex", "Initech 0", "Initech 1", "Initech 2"]
    acme = api.get(f"/organizations/{alice.organization_id}").json()
    assert acme["people"] == 2 and acme["open_tickets"] == 2
    assert [o["name"] for o in api.get("/organizations", {"q": "glob"}).json()["items"]] == [
        "Globex"
    ]
    people = api.get(f"/organizations/{alice.organization_id}/people").json()
    assert [(p["name"], p["team_manager"]) for p in people] == [
        ("Alice Martin", True),
        ("Bob Durand", False),
    ]
    assert_problem(api.get("/organizations/999999"), 404)
    assert_problem(api.get("/organizations/999999/people"), 404)
    customer = api_as(alice)
    for path in ("/organizations", f"/organizations/{alice.organization_id}/people"):
        assert_problem(customer.get(path), 403)
    # A ticket list's cursor is not an organization list's.
    ticket_cursor = api.get("/tickets", {"limit": 1}).json()["next_cursor"]
    assert_problem(api.get("/organizations", {"cursor": ticket_cursor}), 422)


# --- Followers ----------------------------------------------------------------------------------


def test_followers_through_the_follower_services(tickets, alice, bob, carol, agnes):
    number = tickets["alice"].number
    customer, staff = api_as(alice), api_as(agnes)
    added = customer.post(f"/tickets/{number}/followers", {"person": bob.pk})
    assert added.status_code == 200, added.content
    assert [p["name"] for p in added.json()] == ["Bob Durand"]
    # Another company's person does not exist for a customer; the service says no to others.
    assert_problem(customer.post(f"/tickets/{number}/followers", {"person": carol.pk}), 422)
    assert_problem(customer.post(f"/tickets/{number}/followers", {"person": bob.pk}), 422)
    staff.post(f"/tickets/{number}/followers", {"person": agnes.pk})
    assert {p["name"] for p in staff.get(f"/tickets/{number}/followers").json()} == {
        "Bob Durand",
        "Agnes Agent",
    }
    # A customer never sees who on the support team follows.
    assert [p["name"] for p in customer.get(f"/tickets/{number}/followers").json()] == [
        "Bob Durand"
    ]
    # bob now sees the ticket; carol never.
    assert api_as(bob).get(f"/tickets/{number}").status_code == 200
    assert_problem(api_as(carol).get(f"/tickets/{number}/followers"), 404)
    removed = api_as(alice).client.delete(
        f"/api/v1/tickets/{number}/followers/{bob.pk}", headers=customer.headers
    )
    assert removed.status_code == 200 and removed.json() == []
    assert_problem(api_as(bob).get(f"/tickets/{number}"), 404)


def test_a_method_a_path_does_not_take_is_a_problem(tickets, alice):
    api = api_as(alice)
    response = api.client.delete("/api/v1/tickets", headers=api.headers)
    assert_problem(response, 405)
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
