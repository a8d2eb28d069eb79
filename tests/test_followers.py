"""Followers of a ticket (issue 18 §4): who may add whom, what a follower sees in the
portal, the desk's panel. Mail and notifications: test_followers_mail.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecmp.accounts.models import User
from ecmp.tickets import services
from ecmp.tickets.followers import follower_panel, is_follower_candidate
from ecmp.tickets.models import EventKind, TicketEvent, TicketFollower
from ecmp.tickets.selectors import ticket_visible_to, tickets_visible_to
from ecmp.tickets.services.followers import follower_add, follower_remove
from ecmp.tickets.status import Status
from tests.factories import AgentFactory, UserFactory, make_ticket, upload


@pytest.fixture
def dave(acme):
    """A third Acme customer, neither requester nor manager."""
    return UserFactory(email="dave@acme.test", full_name="Dave Petit", organization=acme)


def follows(ticket, user):
    return TicketFollower.objects.filter(ticket=ticket, user=user).exists()


# --- The service ---------------------------------------------------------------------


def test_the_requester_adds_a_colleague_and_the_event_names_them(bob, dave):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    assert follows(ticket, dave)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.FOLLOWER_ADDED)
    assert event.to_value == "Dave Petit" and event.actor == bob and not event.internal
    assert event.from_value == str(dave.pk)


def test_a_customer_of_another_organization_is_refused_and_nothing_changes(bob, carol, agnes):
    ticket = make_ticket(bob)
    for by in (bob, agnes):
        with pytest.raises(ValidationError) as refused:
            follower_add(ticket=ticket, user=carol, by=by)
        assert "only active members of Acme" in " ".join(refused.value.messages)
    assert not TicketFollower.objects.exists()
    assert not TicketEvent.objects.filter(kind=EventKind.FOLLOWER_ADDED).exists()


def test_inactive_colleague_requester_and_second_add_are_refused(bob, dave, alice):
    ticket = make_ticket(bob)
    dave.is_active = False
    dave.save()
    with pytest.raises(ValidationError):
        follower_add(ticket=ticket, user=dave, by=bob)
    with pytest.raises(ValidationError, match="opened this ticket"):
        follower_add(ticket=ticket, user=bob, by=bob)
    follower_add(ticket=ticket, user=alice, by=bob)
    with pytest.raises(ValidationError, match="already follows"):
        follower_add(ticket=ticket, user=alice, by=bob)
    assert TicketFollower.objects.filter(ticket=ticket).count() == 1


def test_a_follower_cannot_add_others_but_may_leave(bob, dave, alice):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    with pytest.raises(PermissionDenied):
        follower_add(ticket=ticket, user=alice, by=dave)
    follower_remove(ticket=ticket, user=dave, by=dave)
    assert not follows(ticket, dave)
    gone = TicketEvent.objects.get(ticket=ticket, kind=EventKind.FOLLOWER_REMOVED)
    assert gone.actor == dave and gone.to_value == "Dave Petit"


def test_a_colleague_who_does_not_follow_cannot_touch_the_followers(bob, dave):
    """Dave is not the requester, not a manager, not a follower: the ticket does not
    exist for him."""
    ticket = make_ticket(bob)
    with pytest.raises(PermissionDenied):
        follower_add(ticket=ticket, user=dave, by=dave)


def test_an_agent_adds_and_removes_customers_and_follows_themself(bob, dave, agnes, adam):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=agnes)
    follower_add(ticket=ticket, user=agnes, by=agnes)
    with pytest.raises(ValidationError, match="by themself"):
        follower_add(ticket=ticket, user=adam, by=agnes)
    with pytest.raises(ValidationError, match="by themself"):
        follower_remove(ticket=ticket, user=agnes, by=adam)
    own = TicketEvent.objects.get(
        ticket=ticket, kind=EventKind.FOLLOWER_ADDED, actor=agnes, to_value="Agnes Agent"
    )
    assert own.internal  # an agent's own follow is the team's business
    follower_remove(ticket=ticket, user=dave, by=agnes)
    follower_remove(ticket=ticket, user=agnes, by=agnes)
    assert not TicketFollower.objects.filter(ticket=ticket).exists()


def test_the_requester_removes_a_colleague_but_not_an_agent(bob, dave, agnes):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    follower_add(ticket=ticket, user=agnes, by=agnes)
    with pytest.raises(ValidationError):
        follower_remove(ticket=ticket, user=agnes, by=bob)
    follower_remove(ticket=ticket, user=dave, by=bob)
    with pytest.raises(ValidationError, match="does not follow"):
        follower_remove(ticket=ticket, user=dave, by=bob)
    assert follows(ticket, agnes) and not follows(ticket, dave)


def test_nobody_starts_following_an_archived_ticket(bob, dave, agnes):
    from django.utils import timezone

    ticket = make_ticket(bob)
    services.ticket_transition(ticket=ticket, actor=agnes, status=Status.CLOSED)
    type(ticket).objects.filter(pk=ticket.pk).update(archived_at=timezone.now())
    ticket.refresh_from_db()
    with pytest.raises(ValidationError, match="archived"):
        follower_add(ticket=ticket, user=dave, by=bob)


# --- Access --------------------------------------------------------------------------


def test_a_follower_sees_the_followed_ticket_and_no_other_of_the_organization(bob, dave, alice):
    followed, other = make_ticket(bob, subject="Followed"), make_ticket(bob, subject="Other")
    mine = make_ticket(alice, subject="Alice's")
    follower_add(ticket=followed, user=dave, by=bob)
    assert set(tickets_visible_to(dave)) == {followed}
    assert ticket_visible_to(dave, followed)
    assert not ticket_visible_to(dave, other) and not ticket_visible_to(dave, mine)


def test_a_follower_moved_to_another_organization_no_longer_sees_it(bob, dave, globex):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    dave.organization = globex
    dave.save()
    assert not ticket_visible_to(dave, ticket)


def test_the_team_manager_rule_is_kept(alice, bob, dave):
    """Alice manages Acme: without "managers see all" she sees only hers and what she
    follows; with it, every ticket of Acme — following one changes neither."""
    bobs, daves = make_ticket(bob, subject="Bob's"), make_ticket(dave, subject="Dave's")
    follower_add(ticket=bobs, user=alice, by=bob)
    assert set(tickets_visible_to(alice)) == {bobs}
    alice.organization.managers_see_all_tickets = True
    alice.organization.save()
    alice.refresh_from_db()
    assert set(tickets_visible_to(alice)) == {bobs, daves}


def test_the_visible_list_has_no_duplicates_with_many_followers(bob, dave, alice, agnes):
    ticket = make_ticket(bob)
    for person in (dave, alice, agnes):
        follower_add(ticket=ticket, user=person, by=bob if person != agnes else agnes)
    assert list(tickets_visible_to(bob)) == [ticket]
    assert list(tickets_visible_to(dave)) == [ticket]


# --- The portal ----------------------------------------------------------------------


def test_the_requester_adds_a_colleague_from_the_ticket_page(client_for, bob, dave, carol):
    ticket = make_ticket(bob)
    client = client_for(bob)
    page = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "Add a colleague" in page and "dave@acme.test" in page
    assert "carol@globex.test" not in page
    url = reverse("portal:follower-add", args=[ticket.number])
    response = client.post(url, {"user": dave.pk}, follow=True)
    assert "Dave Petit now follows this ticket." in response.content.decode()
    assert follows(ticket, dave)


def test_the_portal_refuses_another_organizations_person_without_naming_them(
    client_for, bob, carol
):
    ticket = make_ticket(bob)
    client = client_for(bob)
    for value in (carol.pk, "nonsense", ""):
        url = reverse("portal:follower-add", args=[ticket.number])
        page = client.post(url, {"user": value}, follow=True).content.decode()
        assert "Choose a colleague to add." in page and "Carol" not in page
    assert not TicketFollower.objects.exists()


def test_follower_forms_are_post_only_and_need_csrf(bob, dave):
    from django.test import Client

    ticket = make_ticket(bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    url = reverse("portal:follower-add", args=[ticket.number])
    assert client.get(url).status_code == 405
    assert client.post(url, {"user": dave.pk}).status_code == 403
    assert not TicketFollower.objects.exists()


def test_outsiders_get_404_and_change_nothing(client_for, bob, dave, carol):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    add = reverse("portal:follower-add", args=[ticket.number])
    remove = reverse("portal:follower-remove", args=[ticket.number, dave.pk])
    for outsider in (carol,):
        client = client_for(outsider)
        assert client.post(add, {"user": outsider.pk}).status_code == 404
        assert client.post(remove).status_code == 404
        assert client.get(reverse("portal:ticket-detail", args=[ticket.number])).status_code == 404
    assert list(TicketFollower.objects.values_list("user", flat=True)) == [dave.pk]


def test_a_follower_cannot_add_or_remove_others_in_the_portal(client_for, bob, dave, alice):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    follower_add(ticket=ticket, user=alice, by=bob)
    client = client_for(dave)
    page = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "Stop following" in page and "Add a colleague" not in page
    assert "Remove Alice Martin from the followers" not in page
    remove = reverse("portal:follower-remove", args=[ticket.number, alice.pk])
    assert client.post(remove).status_code == 404
    assert follows(ticket, alice)


def test_a_follower_reads_replies_and_downloads_public_files_only(client_for, bob, dave, agnes):
    ticket = make_ticket(bob, files=[upload("opening.png")])
    services.ticket_reply(
        ticket=ticket, author=agnes, body="Public answer", files=[upload("public.png")]
    )
    note = services.ticket_reply(
        ticket=ticket, author=agnes, body="Secret note", internal=True, files=[upload("secret.png")]
    )
    follower_add(ticket=ticket, user=dave, by=bob)
    client = client_for(dave)
    page = client.get(reverse("portal:ticket-detail", args=[ticket.number])).content.decode()
    assert "Public answer" in page and "Secret note" not in page and "secret.png" not in page
    assert "Follower added" in page  # a customer follower's event is in the thread
    public = ticket.attachments.get(original_name="public.png")
    secret = note.attachments.get()
    download = "portal:attachment-download"
    assert client.get(reverse(download, args=[ticket.number, public.pk])).status_code == 200
    assert client.get(reverse(download, args=[ticket.number, secret.pk])).status_code == 404
    reply = client.post(reverse("portal:ticket-reply", args=[ticket.number]), {"body": "Me too"})
    assert reply.status_code == 302
    assert ticket.messages.filter(author=dave, body="Me too").exists()


def test_a_follower_who_stops_following_loses_the_ticket(client_for, bob, dave):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    client = client_for(dave)
    remove = reverse("portal:follower-remove", args=[ticket.number, dave.pk])
    response = client.post(remove)
    assert response.status_code == 302 and response.url == reverse("portal:followed")
    assert client.get(reverse("portal:ticket-detail", args=[ticket.number])).status_code == 404


def test_the_followed_list_shows_followed_tickets_only(client_for, bob, dave, alice):
    followed = make_ticket(bob, subject="Printer jam on floor 2")
    make_ticket(bob, subject="Not followed")
    make_ticket(dave, subject="Dave's own")
    follower_add(ticket=followed, user=dave, by=bob)
    client = client_for(dave)
    page = client.get(reverse("portal:followed")).content.decode()
    assert "Printer jam on floor 2" in page and "Bob Durand" in page
    assert "Not followed" not in page and "Dave's own" not in page
    searched = client.get(reverse("portal:followed"), {"q": "nothing like it"}).content.decode()
    assert "Printer jam" not in searched
    assert reverse("portal:followed") in client.get(reverse("portal:service-desk")).content.decode()


def test_the_followed_list_and_ticket_page_cost_constant_queries(client_for, bob, dave, alice):
    def queries(client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    client = client_for(dave)
    detail = reverse("portal:ticket-detail", args=[ticket.number])
    client.get(detail)  # opens the tab (a session write)
    few = [queries(client, reverse("portal:followed")), queries(client, detail)]
    for n in range(6):
        other = make_ticket(bob, subject=f"More {n}")
        follower_add(ticket=other, user=dave, by=bob)
        colleague = UserFactory(email=f"c{n}@acme.test", organization=bob.organization)
        follower_add(ticket=ticket, user=colleague, by=bob)
    many = [queries(client, reverse("portal:followed")), queries(client, detail)]
    assert many == few


# --- The desk ------------------------------------------------------------------------


def test_the_desk_panel_adds_removes_and_follows(client_for, bob, dave, carol, agnes):
    ticket = make_ticket(bob)
    client = client_for(agnes)
    detail = reverse("desk:ticket-detail", args=[ticket.number])
    page = client.get(detail).content.decode()
    assert "Add a customer" in page and "dave@acme.test" in page and "carol@globex" not in page
    add = reverse("desk:follower-add", args=[ticket.number])
    client.post(add, {"user": dave.pk})
    client.post(add)  # Follow, herself
    assert follows(ticket, dave) and follows(ticket, agnes)
    page = client.get(detail).content.decode()
    assert "Unfollow" in page and "Remove Dave Petit from the followers" in page
    refused = client.post(add, {"user": carol.pk}, follow=True).content.decode()
    assert "cannot follow this ticket" in refused and not follows(ticket, carol)
    client.post(reverse("desk:follower-remove", args=[ticket.number, dave.pk]))
    client.post(reverse("desk:follower-remove", args=[ticket.number, agnes.pk]))
    assert not TicketFollower.objects.filter(ticket=ticket).exists()


def test_the_panel_s_candidates_are_those_is_follower_candidate_admits(
    bob, dave, alice, carol, agnes
):
    """The panel's statement selects the candidates in SQL and takes them as read: the
    rule is `is_follower_candidate`'s, which the people it leaves out fail."""
    ticket = make_ticket(bob)
    UserFactory(email="gone@acme.test", organization=bob.organization, is_active=False)
    AgentFactory(email="odd@support.test", organization=bob.organization)
    follower_add(ticket=ticket, user=alice, by=bob)
    follower_add(ticket=ticket, user=agnes, by=agnes)
    for viewer in (bob, agnes):
        panel = follower_panel(ticket, viewer)
        following = {person.pk for person in panel.followers}
        admitted = [
            user.pk
            for user in User.objects.order_by("full_name", "email")
            if user.pk not in following and is_follower_candidate(user, ticket)
        ]
        assert [person.pk for person in panel.candidates] == admitted == [dave.pk]
        assert all(is_follower_candidate(person, ticket) for person in panel.candidates)


def test_the_desk_follower_views_refuse_customers(client_for, bob, dave):
    ticket = make_ticket(bob)
    client = client_for(bob)
    response = client.post(reverse("desk:follower-add", args=[ticket.number]), {"user": dave.pk})
    assert response.status_code in (403, 404)
    assert not TicketFollower.objects.exists()


def test_the_desk_page_reads_followers_in_one_query_whatever_their_number(client_for, bob, agnes):
    ticket = make_ticket(bob)
    client = client_for(agnes)
    url = reverse("desk:ticket-detail", args=[ticket.number])
    client.get(url)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        colleague = UserFactory(email=f"f{n}@acme.test", organization=bob.organization)
        follower_add(ticket=ticket, user=colleague, by=agnes)
        other_agent = AgentFactory(email=f"agent{n}@support.test")
        follower_add(ticket=ticket, user=other_agent, by=other_agent)
    assert queries() == few


def test_the_thread_names_who_started_and_stopped_following(client_for, bob, dave):
    ticket = make_ticket(bob)
    follower_add(ticket=ticket, user=dave, by=bob)
    follower_remove(ticket=ticket, user=dave, by=bob)
    page = client_for(bob).get(reverse("portal:ticket-detail", args=[ticket.number]))
    text = page.content.decode()
    assert "Follower added: Dave Petit" in text
    assert "Follower removed: Dave Petit" in text
