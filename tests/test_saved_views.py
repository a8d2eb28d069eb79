"""Saved views of the queue: an agent saves filters and sort under a name, opens,
renames and deletes their own; admins share views with the team."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ecmp.tickets.models import SavedView
from ecmp.tickets.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_view_share,
)
from tests.factories import AgentFactory, make_ticket

QUEUE = reverse("desk:queue")
NEW = reverse("desk:saved-view-new")
LIST = reverse("desk:saved-views")


@pytest.fixture
def desk(client_for, agnes):
    return client_for(agnes)


@pytest.fixture
def other_agent(db):
    return AgentFactory(email="otto@support.test", full_name="Otto Other")


def test_an_agent_saves_the_current_filters_and_opens_them(desk, agnes, alice, carol):
    make_ticket(alice, subject="Acme printer", priority=3)
    make_ticket(carol, subject="Globex mail")
    query = f"queue=open&priority=3&organization={alice.organization_id}&sort=-activity"
    response = desk.post(NEW, {"name": " Acme urgent ", "query": query})
    view = SavedView.objects.get()
    assert (view.owner, view.name, view.shared) == (agnes, "Acme urgent", False)
    assert response.status_code == 302 and response.url == f"{QUEUE}?{view.query}"
    html = desk.get(QUEUE).content.decode()
    assert "Acme urgent" in html and f"{QUEUE}?{view.query}" in html.replace("&amp;", "&")
    opened = desk.get(response.url).content.decode()
    assert "Acme printer" in opened and "Globex mail" not in opened


def test_only_known_filters_with_valid_values_are_kept(desk):
    desk.post(
        NEW,
        {
            "name": "Mixed",
            "query": "queue=wait&evil=1&priority=99&status=open&sort=nonsense&q=toner&page=3",
        },
    )
    assert SavedView.objects.get().query == "queue=wait&status=open&q=toner"


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_bad_name_is_refused(desk, name):
    response = desk.post(NEW, {"name": name, "query": "queue=new"}, follow=True)
    assert response.status_code == 200
    assert not SavedView.objects.exists()


def test_a_duplicate_name_is_refused(desk, agnes):
    saved_view_create(by=agnes, name="Mine", query="queue=mine")
    response = desk.post(NEW, {"name": "MINE", "query": "queue=new"}, follow=True)
    assert "You already have a view named" in response.content.decode()
    assert SavedView.objects.count() == 1


def test_the_owner_renames_and_deletes(desk, agnes):
    view = saved_view_create(by=agnes, name="Mine", query="queue=mine")
    desk.post(reverse("desk:saved-view-rename", args=[view.pk]), {f"v{view.pk}-name": "My work"})
    view.refresh_from_db()
    assert view.name == "My work"
    assert "My work" in desk.get(LIST).content.decode()
    desk.post(reverse("desk:saved-view-delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_an_agent_cannot_touch_another_agents_view(desk, agnes, other_agent):
    theirs = saved_view_create(by=other_agent, name="Otto's", query="queue=new")
    assert "Otto&#39;s" not in desk.get(QUEUE).content.decode()
    assert "Otto" not in desk.get(LIST).content.decode()
    rename = reverse("desk:saved-view-rename", args=[theirs.pk])
    assert desk.post(rename, {f"v{theirs.pk}-name": "Mine now"}).status_code == 404
    assert desk.post(reverse("desk:saved-view-delete", args=[theirs.pk])).status_code == 404
    assert (
        desk.post(reverse("desk:saved-view-share", args=[theirs.pk]), {"shared": "1"}).status_code
        == 403
    )
    theirs.refresh_from_db()
    assert (theirs.name, theirs.shared) == ("Otto's", False)
    with pytest.raises(PermissionDenied):
        saved_view_rename(by=agnes, view=theirs, name="x")
    with pytest.raises(PermissionDenied):
        saved_view_delete(by=agnes, view=theirs)


def test_an_admin_shares_a_view_with_the_team_and_stops(client_for, adam, agnes, desk):
    admin = client_for(adam)
    view = saved_view_create(by=adam, name="Overdue", query="sort=due")
    admin.post(reverse("desk:saved-view-share", args=[view.pk]), {"shared": "1"})
    view.refresh_from_db()
    assert view.shared
    assert "Overdue" in desk.get(QUEUE).content.decode()
    # The team uses it; only its owner renames or deletes it.
    assert desk.post(reverse("desk:saved-view-delete", args=[view.pk])).status_code == 404
    admin.post(reverse("desk:saved-view-share", args=[view.pk]), {"shared": "0"})
    view.refresh_from_db()
    assert not view.shared
    assert "Overdue" not in desk.get(QUEUE).content.decode()


def test_an_agent_cannot_share(agnes, desk):
    view = saved_view_create(by=agnes, name="Mine", query="")
    assert (
        desk.post(reverse("desk:saved-view-share", args=[view.pk]), {"shared": "1"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        saved_view_share(by=agnes, view=view, shared=True)
    view.refresh_from_db()
    assert not view.shared


def test_customers_have_no_saved_views(client_for, alice, agnes):
    view = saved_view_create(by=agnes, name="Mine", query="")
    customer = client_for(alice)
    assert customer.get(LIST).status_code == 403
    assert customer.post(NEW, {"name": "x", "query": ""}).status_code == 403
    assert customer.post(reverse("desk:saved-view-delete", args=[view.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        saved_view_create(by=alice, name="x", query="")
    assert SavedView.objects.count() == 1


def test_the_service_refuses_an_overlong_query(agnes):
    with pytest.raises(ValidationError):
        saved_view_create(by=agnes, name="Long", query="q=" + "x" * 600)


def test_the_views_cost_one_query_however_many(desk, agnes, adam):
    from tests.test_desk_queues import queries

    saved_view_create(by=agnes, name="One", query="queue=new")
    few = queries(desk, QUEUE), queries(desk, LIST)
    for n in range(5):
        saved_view_create(by=agnes, name=f"Mine {n}", query="queue=new")
        view = saved_view_create(by=adam, name=f"Team {n}", query="queue=wait")
        saved_view_share(by=adam, view=view, shared=True)
    assert (queries(desk, QUEUE), queries(desk, LIST)) == few
