"""Canned replies: the library, the composer's picker, placeholders filled safely."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ecmp.tickets.models import CannedReply
from ecmp.tickets.services.canned import (
    canned_reply_create,
    canned_reply_delete,
    canned_reply_render,
    canned_reply_update,
)
from tests.factories import AgentFactory, make_ticket


def titles(response):
    """The replies the picker lists, in order."""
    return re.findall(r"<strong>(.*?)</strong>", response.content.decode())


@pytest.fixture
def ticket(alice):
    return make_ticket(alice, subject="Printer on fire")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def shared(adam):
    return canned_reply_create(
        by=adam, title="Thanks", body="Hello {customer_first_name}", language="en", shared=True
    )


@pytest.fixture
def mine(agnes):
    return canned_reply_create(by=agnes, title="Mine", body="Agnes here", language="en")


@pytest.fixture
def other_agents(db):
    other = AgentFactory(email="otto@support.test", full_name="Otto Other")
    return canned_reply_create(by=other, title="Otto's", body="Otto here", language="en")


def test_placeholders_are_filled(ticket, agnes):
    reply = canned_reply_create(
        by=agnes,
        title="Hi",
        body="Dear {customer_first_name} ({customer_name}), about {ticket_number} "
        "«{ticket_subject}» — {agent_name}",
        language="en",
    )
    text = canned_reply_render(reply=reply, ticket=ticket, agent=agnes)
    assert text == (
        f"Dear Alice ({ticket.requester.full_name}), about {ticket.number} "
        "«Printer on fire» — Agnes Agent"
    )


def test_unknown_placeholders_and_attribute_paths_stay_as_typed(ticket, agnes):
    body = "{unknown} {ticket.requester.password} {0.__class__} {agent_name.upper} {{agent_name}}"
    reply = canned_reply_create(by=agnes, title="Odd", body=body, language="en")
    text = canned_reply_render(reply=reply, ticket=ticket, agent=agnes)
    assert "{unknown} {ticket.requester.password} {0.__class__} {agent_name.upper}" in text
    assert "pbkdf2" not in text and "class" not in text.replace("{0.__class__}", "")


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again(alice, agnes):
    ticket = make_ticket(alice, subject="{agent_name}")
    reply = canned_reply_create(by=agnes, title="S", body="{ticket_subject}", language="en")
    assert canned_reply_render(reply=reply, ticket=ticket, agent=agnes) == "{agent_name}"


def test_each_use_is_counted(ticket, agnes, shared, django_assert_num_queries):
    canned_reply_render(reply=shared, ticket=ticket, agent=agnes)
    canned_reply_render(reply=shared, ticket=ticket, agent=agnes)
    shared.refresh_from_db()
    assert shared.usage_count == 2


def test_inserting_from_the_composer_fills_and_counts(desk, ticket, shared):
    response = desk.post(reverse("desk:canned-insert", args=[ticket.number, shared.pk]))
    assert response.status_code == 200
    assert "Hello Alice" in response.content.decode()
    assert 'data-canned-insert-into="id_body"' in response.content.decode()
    shared.refresh_from_db()
    assert shared.usage_count == 1


def test_inserting_is_a_post_only(desk, ticket, shared):
    response = desk.get(reverse("desk:canned-insert", args=[ticket.number, shared.pk]))
    assert response.status_code == 405
    shared.refresh_from_db()
    assert shared.usage_count == 0


def test_picker_lists_own_and_shared_requester_language_first(desk, ticket, agnes, adam, mine):
    canned_reply_create(by=adam, title="Merci", body="Bonjour", language="fr", shared=True)
    canned_reply_create(by=adam, title="Thanks", body="Hello", language="en", shared=True)
    alice = ticket.requester
    alice.language = "fr"
    alice.save(update_fields=["language"])
    response = desk.get(reverse("desk:canned-picker", args=[ticket.number]))
    found = titles(response)
    assert found[0] == "Merci"
    assert set(found) == {"Merci", "Thanks", "Mine"}
    response = desk.get(reverse("desk:canned-picker", args=[ticket.number]), {"canned": "hello"})
    assert titles(response) == ["Thanks"]


def test_picker_hides_other_agents_replies(desk, ticket, other_agents, mine):
    response = desk.get(reverse("desk:canned-picker", args=[ticket.number]))
    assert titles(response) == ["Mine"]


def test_an_agent_cannot_use_another_agents_reply(desk, ticket, other_agents):
    response = desk.post(reverse("desk:canned-insert", args=[ticket.number, other_agents.pk]))
    assert response.status_code == 404
    other_agents.refresh_from_db()
    assert other_agents.usage_count == 0


def test_picker_queries_do_not_grow_with_replies(desk, ticket, adam, django_assert_max_num_queries):
    url = reverse("desk:canned-picker", args=[ticket.number])
    canned_reply_create(by=adam, title="One", body="1", language="en", shared=True)
    with django_assert_max_num_queries(50) as few:
        desk.get(url)
    for n in range(15):
        canned_reply_create(by=adam, title=f"R{n}", body="x", language="fr", shared=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(url)
    assert len(titles(response)) == 10


def test_a_customer_reaches_no_canned_endpoint(client_for, alice, ticket, shared):
    customer = client_for(alice)
    gets = [
        reverse("desk:canned-replies"),
        reverse("desk:canned-reply-edit", args=[shared.pk]),
        reverse("desk:canned-picker", args=[ticket.number]),
    ]
    posts = [
        reverse("desk:canned-replies"),
        reverse("desk:canned-reply-edit", args=[shared.pk]),
        reverse("desk:canned-reply-delete", args=[shared.pk]),
        reverse("desk:canned-insert", args=[ticket.number, shared.pk]),
    ]
    for url in gets:
        assert customer.get(url).status_code in (302, 403, 404)
    for url in posts:
        response = customer.post(url, {"title": "x", "body": "y", "language": "en"})
        assert response.status_code in (302, 403, 404)
    shared.refresh_from_db()
    assert (shared.title, shared.usage_count) == ("Thanks", 0)
    assert CannedReply.objects.count() == 1
    with pytest.raises(PermissionDenied):
        canned_reply_render(reply=shared, ticket=ticket, agent=alice)


def test_an_agent_cannot_edit_a_shared_reply_or_another_agents(desk, shared, other_agents):
    for reply in (shared, other_agents):
        edit = reverse("desk:canned-reply-edit", args=[reply.pk])
        assert desk.get(edit).status_code in (403, 404)
        data = {"title": "Hacked", "body": "Hacked", "language": "en"}
        assert desk.post(edit, data).status_code in (403, 404)
        delete = reverse("desk:canned-reply-delete", args=[reply.pk])
        assert desk.post(delete).status_code in (403, 404)
        reply.refresh_from_db()
        assert reply.title != "Hacked"


def test_an_agent_cannot_create_a_shared_reply(agnes):
    with pytest.raises(PermissionDenied):
        canned_reply_create(by=agnes, title="T", body="B", language="en", shared=True)


def test_the_services_refuse_an_agent_on_others_replies(agnes, shared, other_agents):
    for reply in (shared, other_agents):
        with pytest.raises(PermissionDenied):
            canned_reply_update(by=agnes, reply=reply, title="X", body="Y", language="en")
        with pytest.raises(PermissionDenied):
            canned_reply_delete(by=agnes, reply=reply)


def test_an_admin_edits_a_shared_reply(client_for, adam, shared):
    admin = client_for(adam)
    edit = reverse("desk:canned-reply-edit", args=[shared.pk])
    assert admin.get(edit).status_code == 200
    response = admin.post(edit, {"title": "Merci", "body": "Bonjour", "language": "fr"})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert (shared.title, shared.language, shared.owner_id) == ("Merci", "fr", None)


def test_an_agent_writes_edits_and_deletes_their_own(desk, agnes):
    url = reverse("desk:canned-replies")
    response = desk.post(url, {"title": "Mine", "body": "Hi {agent_name}", "language": "fr"})
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.owner_id, reply.language) == (agnes.pk, "fr")
    edit = reverse("desk:canned-reply-edit", args=[reply.pk])
    assert desk.post(edit, {"title": "Mine 2", "body": "x", "language": "en"}).status_code == 302
    reply.refresh_from_db()
    assert reply.title == "Mine 2"
    page = desk.get(url)
    assert "Mine 2" in page.content.decode()
    assert desk.post(reverse("desk:canned-reply-delete", args=[reply.pk])).status_code == 302
    assert not CannedReply.objects.exists()


def test_an_agent_asking_for_a_shared_one_gets_a_personal_one(desk, agnes):
    data = {"title": "T", "body": "B", "language": "en", "shared": "on"}
    desk.post(reverse("desk:canned-replies"), data)
    assert CannedReply.objects.get().owner_id == agnes.pk


def test_an_empty_reply_is_refused(desk):
    response = desk.post(
        reverse("desk:canned-replies"), {"title": " ", "body": "", "language": "en"}
    )
    assert response.status_code == 400
    assert not CannedReply.objects.exists()


def test_the_composer_offers_the_picker(desk, ticket):
    page = desk.get(reverse("desk:ticket-detail", args=[ticket.number])).content.decode()
    assert reverse("desk:canned-picker", args=[ticket.number]) in page
    assert reverse("desk:canned-replies") in page
