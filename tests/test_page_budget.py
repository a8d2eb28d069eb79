"""Issue 17's page budget, issue 18's desk ticket page: the reads made cheaper keep
the pages' behaviour (core/prepared.py, billing/activity_choices.py, the staff index)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import STAFF_ROLES, User
from ecmp.accounts.selectors import staff_choices
from ecmp.billing.activity_choices import composer_activities
from ecmp.billing.models import ActivityType, TimeEntry
from ecmp.core.prepared import prepared
from ecmp.tickets.models import Ticket
from ecmp.tickets.thread_reads import thread_with_files
from tests.factories import make_ticket
from tests.test_indexes import plan_of, uses_an_index_on


@pytest.fixture
def activities(db):
    ActivityType.objects.all().delete()
    return {
        "support": ActivityType.objects.create(name="Support", billable_by_default=True),
        "admin": ActivityType.objects.create(name="Admin", billable_by_default=False),
        "old": ActivityType.objects.create(name="Old", billable_by_default=True, active=False),
    }


def _log(agent, ticket, activity, day):
    return TimeEntry.objects.create(
        ticket=ticket,
        agent=agent,
        date=datetime.date(2026, 1, day),
        minutes=15,
        activity_type=activity,
        billable=activity.billable_by_default,
    )


def test_composer_activities_are_the_active_ones_in_order_with_the_agents_last(
    activities, alice, agnes, adam
):
    ticket = make_ticket(alice)
    choices, last = composer_activities(agnes)
    assert [(c.name, c.billable_by_default) for c in choices] == [
        ("Support", True),
        ("Admin", False),
    ]
    assert last is None  # no time logged yet
    _log(agnes, ticket, activities["support"], 1)
    _log(agnes, ticket, activities["admin"], 3)
    _log(adam, ticket, activities["support"], 9)  # another agent's: not hers
    assert composer_activities(agnes)[1] == activities["admin"].pk
    assert composer_activities(adam)[1] == activities["support"].pk
    _log(agnes, ticket, activities["old"], 5)  # her last is now an inactive one
    assert composer_activities(agnes)[1] == activities["old"].pk


def test_no_active_activity_no_choice(activities, agnes):
    ActivityType.objects.update(active=False)
    assert composer_activities(agnes) == ([], None)


def test_the_desk_composer_chooses_the_agents_last_activity(
    activities, client_for, alice, agnes, adam
):
    ticket = make_ticket(alice)
    _log(agnes, ticket, activities["admin"], 2)
    _log(adam, ticket, activities["support"], 4)
    page = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<option value="{activities["admin"].pk}" selected>Admin</option>' in html
    assert f'<option value="{activities["support"].pk}">Support</option>' in html
    assert ">Old</option>" not in html  # inactive
    assert f'data-billable-activities="{activities["support"].pk}"' in html
    assert "checked" not in _billable_input(html)  # Admin is not billable by default
    other = client_for(adam).get(reverse("desk:ticket-detail", args=[ticket.number]))
    assert f'<option value="{activities["support"].pk}" selected>Support</option>' in (
        other.content.decode()
    )
    assert "checked" in _billable_input(other.content.decode())


def _billable_input(html):
    found = re.search(r'<input[^>]*name="billable"[^>]*>', html)
    assert found, html
    return found.group(0)


def test_a_refused_composer_post_keeps_its_activities(activities, client_for, alice, agnes):
    ticket = make_ticket(alice)
    url = reverse("desk:ticket-reply", args=[ticket.number])
    answer = client_for(agnes).post(url, {"version": ticket.version, "body": "", "time": "x"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert ">Support</option>" in html and ">Admin</option>" in html
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version  # nothing changed


def test_a_prepared_read_runs_its_sql_with_each_calls_values(alice, agnes, adam):
    read = prepared(lambda pk: User.objects.filter(pk=pk).values_list("email"), arity=1)
    assert read.rows(agnes.pk) == [(agnes.email,)]
    assert read.rows(adam.pk) == [(adam.email,)]
    assert read.rows(-1) == []
    with pytest.raises(TypeError):
        read.rows()


def test_a_prepared_read_takes_instants_as_the_orm_would(alice, agnes, adam):
    from datetime import timedelta

    from django.utils import timezone

    from ecmp.core.prepared import INSTANT, INTEGER

    def joined(role, since):
        return User.objects.filter(role=role, date_joined__gte=since).values_list("pk")

    read = prepared(
        lambda pk, since: (
            User.objects.filter(pk__gte=pk, date_joined__gte=since).order_by("pk").values_list("pk")
        ),
        kinds=(INTEGER, INSTANT),
    )
    now = timezone.now()
    for since in (now - timedelta(days=1), now + timedelta(days=1), agnes.date_joined):
        orm = User.objects.filter(pk__gte=0, date_joined__gte=since).order_by("pk")
        assert read.rows(0, since) == list(orm.values_list("pk"))
    assert read.rows(0, now - timedelta(days=1))  # the people made by the fixtures
    with pytest.raises(TypeError):
        prepared(lambda pk: joined("agent", pk), arity=1, kinds=(INSTANT,))


def test_a_prepared_read_refuses_a_value_that_is_not_a_parameter(db):
    # A value the ORM folds into the SQL text (a slice) cannot be replaced later.
    read = prepared(lambda n: User.objects.values_list("pk")[:n], arity=1)
    with pytest.raises(ValueError):
        read.rows(3)


def test_the_support_team_is_read_through_an_index(agnes, adam, alice):
    assert staff_choices() == [(adam.pk, "Adam Admin"), (agnes.pk, agnes.get_full_name())]
    team = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name", "email")
    plan = plan_of(team.values_list("pk", "full_name", "email"))
    assert uses_an_index_on(plan, "accounts_user"), plan
    if connection.vendor == "sqlite":
        assert "user_by_role_name" in plan, plan


def _ticket_with_files(alice, agnes):
    from ecmp.tickets import services
    from tests.factories import upload

    ticket = make_ticket(alice, files=[upload("opening.png")])
    services.ticket_reply(
        ticket=ticket, author=agnes, body="Note", internal=True, files=[upload("secret.png")]
    )
    services.ticket_reply(ticket=ticket, author=agnes, body="Hi", files=[upload("public.png")])
    return Ticket.objects.get(pk=ticket.pk)


def test_the_thread_and_its_files_in_one_read_each(alice, agnes):
    ticket = _ticket_with_files(alice, agnes)
    for staff in (True, False):
        thread, opening = thread_with_files(ticket, staff=staff)
        assert [f.original_name for f in opening] == ["opening.png"]
        by_body = {e.body: e.files for e in thread if e.message_id is not None}
        assert [f.original_name for f in by_body["Hi"]] == ["public.png"]
        if staff:
            assert [f.original_name for f in by_body["Note"]] == ["secret.png"]
        else:  # an internal note and its files never reach a customer
            assert "Note" not in by_body


def test_ticket_pages_show_each_file_where_it_belongs(client_for, alice, agnes, carol):
    ticket = _ticket_with_files(alice, agnes)
    desk = client_for(agnes).get(reverse("desk:ticket-detail", args=[ticket.number]))
    html = desk.content.decode()
    assert all(name in html for name in ("opening.png", "secret.png", "public.png"))
    portal = client_for(alice).get(reverse("portal:ticket-detail", args=[ticket.number]))
    html = portal.content.decode()
    assert "opening.png" in html and "public.png" in html
    assert "secret.png" not in html and "Note" not in html
    other = client_for(carol).get(reverse("portal:ticket-detail", args=[ticket.number]))
    assert other.status_code == 404  # another organization's ticket


def test_ticket_pages_do_not_grow_with_files(client_for, alice, agnes):
    from django.test.utils import CaptureQueriesContext

    from ecmp.tickets import services
    from tests.factories import upload

    ticket = _ticket_with_files(alice, agnes)
    pages = [
        (client_for(agnes), reverse("desk:ticket-detail", args=[ticket.number])),
        (client_for(alice), reverse("portal:ticket-detail", args=[ticket.number])),
    ]

    def counts():
        found = []
        for client, url in pages:
            client.get(url)  # the first view marks notifications read
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured))
        return found

    few = counts()
    for n in range(3):
        services.ticket_reply(
            ticket=ticket, author=agnes, body=f"More {n}", files=[upload(f"more{n}.png")]
        )
        services.ticket_reply(ticket=ticket, author=alice, body=f"Back {n}", files=[upload()])
    assert counts() == few


def test_the_time_a_customer_sees_in_one_read(activities, alice, carol, agnes, acme, globex):
    from ecmp.billing.models import BillingProfile
    from ecmp.billing.ticket_time import time_visible_to_customer

    ticket = make_ticket(alice)
    assert time_visible_to_customer(ticket) == 0  # no time, no billing profile: shown
    _log(agnes, ticket, activities["support"], 1)
    _log(agnes, ticket, activities["admin"], 2)
    _log(agnes, make_ticket(alice), activities["admin"], 2)  # another ticket's
    assert time_visible_to_customer(ticket) == 30
    BillingProfile.objects.update_or_create(
        organization=globex, defaults={"show_time_to_users": False}
    )
    assert time_visible_to_customer(ticket) == 30  # another client's choice
    BillingProfile.objects.update_or_create(
        organization=acme, defaults={"show_time_to_users": False}
    )
    assert time_visible_to_customer(ticket) is None
    BillingProfile.objects.filter(organization=acme).update(show_time_to_users=True)
    assert time_visible_to_customer(ticket) == 30


def test_the_desk_ticket_page_lists_time_at_a_constant_cost(activities, client_for, alice, agnes):
    from django.test.utils import CaptureQueriesContext

    ticket = make_ticket(alice)
    _log(agnes, ticket, activities["support"], 1)
    client = client_for(agnes)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(2, 6):
        entry = _log(agnes, ticket, activities["admin"], day)
    entry.description = "Called back"
    entry.save()
    with CaptureQueriesContext(connection) as more:
        html = client.get(url).content.decode()
    assert len(more) == len(few)
    assert html.count(f"{agnes.get_full_name()} · Admin") == 4
    assert html.count(f"{agnes.get_full_name()} · Support") == 1
    assert "Called back" in html and "not billable" in html


def test_the_desk_ticket_page_offers_the_active_categories(client_for, alice, agnes, adam):
    from ecmp.tickets.services.categories import (
        category_create,
        category_set_active,
        ticket_category_set,
    )

    hardware = category_create(by=adam, name_en="Hardware", name_fr="Matériel")
    network = category_create(by=adam, name_en="Network", name_fr="Réseau")
    old = category_create(by=adam, name_en="Fax", name_fr="Télécopie")
    category_set_active(by=adam, category=old, active=False)
    ticket = make_ticket(alice)
    ticket_category_set(ticket=ticket, actor=agnes, category=network)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    client = client_for(agnes)
    html = client.get(url).content.decode()
    assert '<option value="">No category</option>' in html
    assert f'<option value="{hardware.pk}">Hardware</option>' in html
    assert f'<option value="{network.pk}" selected>Network</option>' in html
    assert ">Fax</option>" not in html
    agnes.language = "fr"
    agnes.save()
    html = client.get(url, headers={"accept-language": "fr"}).content.decode()
    assert f'<option value="{hardware.pk}">Matériel</option>' in html


def test_the_queue_filters_by_any_category_and_sets_only_active_ones(
    client_for, alice, agnes, adam
):
    from ecmp.tickets.services.categories import category_create, category_set_active

    make_ticket(alice)  # the bulk bar shows with rows

    hardware = category_create(by=adam, name_en="Hardware", name_fr="Matériel")
    old = category_create(by=adam, name_en="Fax", name_fr="Télécopie")
    category_set_active(by=adam, category=old, active=False)
    html = client_for(agnes).get(reverse("desk:queue")).content.decode()
    bulk = html[html.index('id="bulk-category"') :]
    bulk = bulk[: bulk.index("</select>")]
    assert f'<option value="{hardware.pk}">Hardware</option>' in bulk
    assert "Fax" not in bulk  # deactivated: no longer given to tickets
    filter_select = html[: html.index('id="bulk-category"')]
    assert ">Any category</option>" in filter_select
    assert filter_select.index(">Hardware<") < filter_select.index(">Fax<")  # active first


def test_prepared_choices_keep_no_data_between_reads(agnes, adam, acme, globex):
    from ecmp.accounts.models import Organization
    from ecmp.accounts.selectors import organization_choices

    assert staff_choices() == [(adam.pk, "Adam Admin"), (agnes.pk, agnes.get_full_name())]
    User.objects.filter(pk=adam.pk).update(full_name="Zoe Admin")
    User.objects.filter(pk=agnes.pk).update(is_active=False)
    assert staff_choices() == [(adam.pk, "Zoe Admin")]  # renamed, deactivated: at once
    names = [name for _pk, name in organization_choices()]
    assert names == sorted([acme.name, globex.name])
    Organization.objects.filter(pk=acme.pk).update(name="Zzz Corp")
    assert organization_choices()[-1] == (acme.pk, "Zzz Corp")


def test_the_bells_count_in_one_read_per_shape_matches_the_rule(
    alice, bob, carol, agnes, acme, django_capture_on_commit_callbacks
):
    from ecmp.accounts.models import Organization
    from ecmp.notifications.models import Notification
    from ecmp.notifications.selectors import _visible, notification_unread_count_for
    from ecmp.tickets import services
    from ecmp.tickets.services.followers import follower_add

    with django_capture_on_commit_callbacks(execute=True):
        mine = make_ticket(bob, subject="Bob's")
        followed = make_ticket(alice, subject="Alice's")
        follower_add(ticket=followed, user=bob, by=agnes)
        other = make_ticket(carol, subject="Carol's")
        for ticket in (mine, followed, other):
            services.ticket_reply(ticket=ticket, author=agnes, body="Answer")

    def orm(user):  # the rule through the ORM, as the count was read before
        return _visible(user).filter(read_at=None).count()

    people = [alice, bob, carol, agnes]
    assert all(notification_unread_count_for(u) == orm(u) for u in people)
    assert notification_unread_count_for(bob) >= 2  # his and the one he follows
    # About a ticket he may not see (another client's): not counted.
    before = notification_unread_count_for(bob)
    Notification.objects.create(recipient=bob, ticket=other, event=other.events.first())
    assert notification_unread_count_for(bob) == orm(bob) == before
    # A manager who sees all of Acme's tickets: another shape, another statement.
    Organization.objects.filter(pk=acme.pk).update(managers_see_all_tickets=True)
    alice = User.objects.get(pk=alice.pk)
    Notification.objects.create(recipient=alice, ticket=mine, event=mine.events.first())
    assert notification_unread_count_for(alice) == orm(alice)
    with CaptureQueriesContext(connection) as captured:
        notification_unread_count_for(alice)
    assert len(captured) == 1
