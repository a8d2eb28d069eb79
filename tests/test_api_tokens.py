"""Personal access tokens: made on the account side, shown once, stored hashed, checked
on every API call; staff make them only after the second factor; admins revoke any."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from ecmp.accounts import twofactor
from ecmp.accounts.models import AuditEvent
from ecmp.api.models import ApiToken
from ecmp.api.tokens import api_token_authenticate, api_token_create, api_token_revoke
from tests.api_helpers import ApiClient, token_for
from tests.conftest import AUTH_BACKEND, signed_in
from tests.factories import make_ticket

PAGE = "/account/api-tokens/"


def verified(user) -> Client:
    """Signed in, with the second factor passed in this session (as django-otp marks it)."""
    device = twofactor.enrol_demo_authenticator(
        user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    )
    client = signed_in(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def created_secret(response) -> str:
    html = response.content.decode()
    return html.split('id="new-token"', 1)[1].split("<code", 1)[1].split(">", 1)[1].split("<")[0]


def test_a_customer_creates_a_token_shown_once_and_stored_hashed(alice):
    client = signed_in(alice)
    response = client.post(PAGE, {"name": "Intranet", "scope": "read", "expires_in_days": "30"})
    assert response.status_code == 200
    secret = created_secret(response)
    token = ApiToken.objects.get(user=alice)
    assert secret.startswith(f"ecmp_{token.prefix}_") and len(secret) > 40
    assert token.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(getattr(token, f.attname)) for f in ApiToken._meta.fields}
    assert token.scope == "read" and token.name == "Intranet"
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    again = client.get(PAGE).content.decode()
    assert secret not in again and f"ecmp_{token.prefix}_" in again
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_CREATED)
    assert event.actor == alice and event.target_id == str(token.pk)
    assert ApiClient(secret).get("/tickets").status_code == 200


def test_the_account_page_links_to_the_tokens(alice):
    assert PAGE in signed_in(alice).get("/accounts/me/").content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "Tool", "scope": "admin"},
        {"name": "Tool", "scope": "read", "expires_in_days": "366"},
        {"name": "Tool", "scope": "read", "expires_in_days": "0"},
        {"name": "Tool", "scope": "read", "expires_in_days": "soon"},
    ],
)
def test_bad_input_creates_no_token(alice, data):
    response = signed_in(alice).post(PAGE, data)
    assert response.status_code == 422
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.API_TOKEN_CREATED).exists()


def test_staff_create_tokens_only_after_the_second_factor(agnes):
    response = signed_in(agnes).post(PAGE, {"name": "Script", "scope": "read"})
    assert response.status_code == 422
    assert "second factor" in response.content.decode()
    assert not ApiToken.objects.exists()
    with pytest.raises(ValidationError):
        api_token_create(
            by=agnes, name="x", scope="read", expires_in_days=None, second_factor_verified=False
        )
    response = verified(agnes).post(PAGE, {"name": "Script", "scope": "read"})
    assert response.status_code == 200 and "new-token" in response.content.decode()
    assert ApiToken.objects.get(user=agnes).expires_at is None


def test_a_token_lets_a_tool_in_until_it_expires(alice):
    token, secret = token_for(alice, days=1)
    assert api_token_authenticate(secret) == token
    later = timezone.now() + timedelta(days=1, seconds=1)
    assert api_token_authenticate(secret, now=later) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = ApiClient(secret).get("/tickets")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer nope", "Basic abc", "Bearer ecmp_00000000_wrong"]
)
def test_a_missing_or_wrong_token_is_401(alice, header):
    token_for(alice)
    response = Client().get("/api/v1/tickets", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_an_inactive_person_s_token_is_refused(alice):
    _token, secret = token_for(alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert ApiClient(secret).get("/tickets").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(alice, django_assert_num_queries):
    token, secret = token_for(alice)
    assert token.last_used_at is None
    api_token_authenticate(secret)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the read alone, no write
        api_token_authenticate(secret, now=first + timedelta(seconds=59))
    token.refresh_from_db()
    assert token.last_used_at == first
    api_token_authenticate(secret, now=first + timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == first + timedelta(seconds=61)


def test_the_owner_revokes_their_token_and_it_stops_at_once(alice, bob):
    token, secret = token_for(alice)
    assert signed_in(bob).post(f"{PAGE}{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    response = signed_in(alice).post(f"{PAGE}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(secret).get("/tickets").status_code == 401
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_REVOKED)
    assert event.actor == alice and event.target_id == str(token.pk)
    with pytest.raises(ValidationError):
        api_token_revoke(by=alice, token=token)


def test_revoking_is_a_post(alice):
    token, _secret = token_for(alice)
    assert signed_in(alice).get(f"{PAGE}{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admins_see_and_revoke_every_token(alice, agnes, adam):
    token, _secret = token_for(alice)
    token_for(agnes)
    page = signed_in(adam).get(f"{PAGE}all/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Alice Martin" in html and "Agnes Agent" in html
    assert signed_in(agnes).get(f"{PAGE}all/").status_code == 403
    assert signed_in(alice).get(f"{PAGE}all/").status_code == 403
    with pytest.raises(PermissionDenied):
        api_token_revoke(by=agnes, token=token)
    response = signed_in(adam).post(f"{PAGE}{token.pk}/revoke/", {"back": "all"})
    assert response.status_code == 302 and response["Location"].endswith("/all/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_REVOKED)
    assert event.actor == adam


def test_a_read_token_is_refused_every_write(alice):
    ticket = make_ticket(alice)
    _token, secret = token_for(alice, scope="read")
    api = ApiClient(secret)
    assert api.get(f"/tickets/{ticket.number}").status_code == 200
    response = api.post(f"/tickets/{ticket.number}/replies", {"body": "Hello"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert api.post("/tickets", {"subject": "S", "description": "D"}).status_code == 403
    assert api.post(f"/tickets/{ticket.number}/close", {}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.version == 1 and ticket.messages.count() == 0 and ticket.status == "new"


def test_the_api_ignores_the_session_cookie(alice):
    """Tokens only: a signed-in browser cannot be made to call the API (no CSRF)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice, backend=AUTH_BACKEND)
    assert client.get("/accounts/me/").status_code == 200  # signed in
    assert client.get("/api/v1/tickets").status_code == 401
    ticket = make_ticket(alice)
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/replies", {"body": "Hi"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not ticket.messages.exists()
