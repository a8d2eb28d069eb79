"""A team manager's "My team" page read by statements compiled once per process
(accounts/team_page_reads.py): the requests, colleagues and removal requests are
what the selectors give through the ORM, to the same people only."""

from django.urls import reverse

from ecmp.accounts import services
from ecmp.accounts.models import User
from ecmp.accounts.removal_selectors import (
    colleagues_for_manager,
    removal_request_list_for_manager,
)
from ecmp.accounts.removals import removal_request_create, removal_request_decline
from ecmp.accounts.selectors import registration_request_list_for_manager
from ecmp.accounts.team_page_reads import team_colleagues, team_removals, team_requests
from tests.factories import UserFactory


def _fresh(user: User) -> User:
    return User.objects.select_related("organization").get(pk=user.pk)


def test_as_the_selectors_give_them(client_for, acme, alice, bob, carol, agnes):
    dora = UserFactory(email="dora@acme.test", full_name="Dora <b>Leaver</b>", organization=acme)
    services.registration_request_create(manager=alice, full_name="Eve New", email="eve@acme.test")
    declined = services.registration_request_create(
        manager=alice, full_name="Fay New", email="fay@acme.test"
    )
    services.registration_request_decline(request=declined, by=agnes, reason="Who?\nNo.")
    removal_request_create(manager=alice, person=dora, reason="Left in May")
    refused = removal_request_create(manager=alice, person=bob, reason="Left too")
    removal_request_decline(request=refused, by=agnes, reason="Still here")
    carol.is_team_manager = True
    carol.save()
    for user in (_fresh(alice), _fresh(bob), _fresh(carol), _fresh(agnes)):
        requests = registration_request_list_for_manager(user)[:100]
        assert [
            (r.full_name, r.email, r.created_at, r.status, r.decline_reason, r.get_status_display())
            for r in requests
        ] == [(*row, row.get_status_display()) for row in team_requests(user)]
        colleagues = colleagues_for_manager(user)[:500]
        assert [(p.pk, p.full_name, p.email, p.removal_pending) for p in colleagues] == [
            tuple(row) for row in team_colleagues(user)
        ]
        removals = removal_request_list_for_manager(user)[:100]
        assert [
            (r.person.full_name, r.reason, r.created_at, r.status, r.decline_reason)
            for r in removals
        ] == [tuple(row) for row in team_removals(user)]
    alice_now = _fresh(alice)
    assert len(team_requests(alice_now)) == 2 and len(team_removals(alice_now)) == 2
    assert [(c.full_name, c.removal_pending) for c in team_colleagues(alice_now)] == [
        ("Bob Durand", False),
        ("Dora <b>Leaver</b>", True),
    ]
    assert all(type(c.removal_pending) is bool for c in team_colleagues(alice_now))
    assert team_requests(_fresh(carol)) == [] and team_colleagues(_fresh(carol)) == []
    assert team_requests(_fresh(bob)) == [] and team_removals(_fresh(bob)) == []
    html = client_for(alice).get(reverse("portal:team-requests")).content.decode()
    assert "Dora &lt;b&gt;Leaver&lt;/b&gt;" in html and "Left in May" in html
    assert "Who?<br>No." in html and "Still here" in html and "Declined" in html
    assert reverse("portal:team-removal-request", args=[bob.pk]) in html
    assert reverse("portal:team-removal-request", args=[dora.pk]) not in html


def test_the_colleagues_read_has_the_pending_status_written_in(db):
    # A bound status made SQLite prepare the statement again at each view (the removal
    # requests' unique index `WHERE status = 'pending'`): the caller's ids alone are bound.
    from ecmp.accounts.team_page_reads import _COLLEAGUES

    sql, params, slots = _COLLEAGUES._statement("default")
    assert "'pending'" in sql
    assert not [p for p in params if isinstance(p, str)]
    assert sorted(slot for slot in slots if slot is not None) == [0, 1]
