"""Desk pages are for the support team; customers and strangers are refused."""

import pytest
from django.core import mail
from django.urls import reverse

from ecmp.accounts.models import RegistrationRequest, Role, User


@pytest.fixture
def pending(alice):
    return RegistrationRequest.objects.create(
        organization=alice.organization, requested_by=alice, full_name="P", email="p@acme.test"
    )


def desk_urls(pending, target):
    return [
        ("get", reverse("desk:home")),
        ("get", reverse("desk:invite")),
        ("post", reverse("desk:invite")),
        ("get", reverse("desk:registration-requests")),
        ("post", reverse("desk:registration-request-approve", args=[pending.pk])),
        ("post", reverse("desk:registration-request-decline", args=[pending.pk])),
        ("post", reverse("desk:invitation-resend", args=[target.pk])),
    ]


def test_customers_are_refused_on_every_desk_page_and_nothing_changes(
    client_for, alice, carol, pending
):
    for customer in (alice, carol):
        client = client_for(customer)
        for method, url in desk_urls(pending, carol):
            data = {"email": "z@acme.test", "full_name": "Z", "reason": "r", "role": "customer"}
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
            assert response.status_code == 403, url
    pending.refresh_from_db()
    assert pending.status == RegistrationRequest.Status.PENDING
    assert not User.objects.filter(email="z@acme.test").exists()
    assert mail.outbox == []


def test_strangers_are_sent_to_sign_in(client, pending, carol):
    for method, url in desk_urls(pending, carol):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_agents_see_the_desk_and_are_sent_there_from_the_dashboard(client_for, agnes):
    client = client_for(agnes)
    assert client.get(reverse("desk:home")).status_code == 200
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response.url == reverse("desk:home")


def test_an_agent_registers_a_client_user(
    client_for, agnes, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agnes).post(
            reverse("desk:invite"),
            {
                "full_name": "Zoe Zed",
                "email": "zoe@acme.test",
                "organization": acme.pk,
                "role": "customer",
                "language": "fr",
                "is_team_manager": "on",
            },
        )
    assert response.status_code == 302
    zoe = User.objects.get(email="zoe@acme.test")
    assert zoe.is_team_manager and zoe.language == "fr"
    assert "Bienvenue" in mail.outbox[-1].subject


def test_an_agent_cannot_register_an_agent_through_the_form(client_for, agnes):
    response = client_for(agnes).post(
        reverse("desk:invite"),
        {"full_name": "Evil", "email": "evil@x.test", "role": "admin", "language": "en"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="evil@x.test").exists()


def test_an_admin_registers_an_agent(client_for, adam):
    response = client_for(adam).post(
        reverse("desk:invite"),
        {"full_name": "New Agent", "email": "na@support.test", "role": "agent", "language": "en"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="na@support.test").role == Role.AGENT


def test_registering_a_taken_address_says_so(client_for, agnes, alice, acme):
    response = client_for(agnes).post(
        reverse("desk:invite"),
        {
            "full_name": "A",
            "email": "Alice@Acme.test",
            "organization": acme.pk,
            "role": "customer",
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_a_client_user_needs_an_organization(client_for, agnes):
    response = client_for(agnes).post(
        reverse("desk:invite"),
        {"full_name": "A", "email": "a@x.test", "role": "customer", "language": "en"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="a@x.test").exists()


def test_only_admins_reach_the_django_admin(client_for, agnes, adam, alice):
    assert client_for(adam).get("/admin/").status_code == 200
    for user in (agnes, alice):
        response = client_for(user).get("/admin/")
        assert response.status_code == 302


def every_desk_url(ticket_number, some_id):
    """Every route of the desk app, with plausible arguments."""
    from django.urls import get_resolver

    resolver = get_resolver()
    desk = resolver.namespace_dict["desk"][1]
    urls = []
    for pattern in desk.url_patterns:
        kwargs = {}
        names = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
        for name in names:
            kwargs[name] = {"number": ticket_number, "action": "accept", "kind": "pdf"}.get(
                name, some_id
            )
        urls.append(reverse(f"desk:{pattern.name}", kwargs=kwargs))
    return urls


def test_customers_are_refused_on_every_desk_route(client_for, alice, acme):
    from tests.factories import make_ticket

    ticket = make_ticket(alice)
    client = client_for(alice)
    urls = every_desk_url(ticket.number, acme.pk)
    assert len(urls) > 20
    for url in urls:
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, {"reason": "x", "name": "x"}).status_code in (403, 405), url
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.events.count() == 1


def test_the_django_admin_pages_open_for_admins(client_for, adam, alice):
    from django.contrib import admin

    client = client_for(adam)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
