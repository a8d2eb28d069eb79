"""Two-factor authentication (issue 16, section 2): enrolment, verification with a
code or a backup code, the middleware in front of the desk and /admin/, remembered
browsers, an admin's reset, customers' optional second factor, the audit rows."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecmp.accounts import twofactor
from ecmp.accounts.models import AuditEvent, User
from tests.factories import TEST_PASSWORD, AgentFactory

LOGIN = "/accounts/login/"
VERIFY = "/accounts/2fa/verify/"
SETUP = "/accounts/2fa/setup/"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def shown_codes(response) -> list[str]:
    """The backup codes as the page lists them."""
    listed = response.content.decode().split('id="backup-codes">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li class="col">([^<]+)</li>', listed)


@pytest.fixture(autouse=True)
def staff_2fa_required(settings):
    """The production default, which the rest of the suite relaxes (settings_test)."""
    settings.ECMP_STAFF_2FA = "required"


def password_sign_in(user) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def enrolled(user, secret=SECRET):
    device = twofactor.enrol_demo_authenticator(user=user, secret=secret)
    codes = twofactor._backup_codes_replace(user)
    return device, codes


def code_at(secret, offset_steps=0):
    totp = TOTP(twofactor._secret_bytes(secret), digits=6)
    totp.time += offset_steps * 30
    return f"{totp.token():06d}"


def fresh_code(device):
    """A code the device has not accepted yet (one step ahead if the current one was used)."""
    totp = TOTP(device.bin_key, digits=6)
    step = 1 if totp.t() <= device.last_t else 0
    return code_at(twofactor.b32encode(device.bin_key).decode(), step)


# --- Settings -------------------------------------------------------------------


def test_the_production_default_requires_staff_to_use_a_second_factor(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ECMP_", "DJANGO_", "DATABASE_URL"))
    }
    env["ECMP_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.ECMP_STAFF_2FA)"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "required"


# --- Staff without a device -----------------------------------------------------------


def test_staff_without_a_device_cannot_reach_the_desk_nor_the_admin(agnes, adam):
    for user, url in [(agnes, "/desk/"), (adam, "/desk/"), (adam, "/admin/")]:
        client = password_sign_in(user)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP)
        assert "next=" in response["Location"]
    # Nor by a POST: it is refused before the view runs.
    response = client.post(reverse("desk:invite"), {})
    assert response.status_code == 302 and response["Location"] == SETUP


def test_pages_that_finish_or_abandon_the_sign_in_stay_open(agnes):
    client = password_sign_in(agnes)
    for url in [SETUP, "/healthz", "/accounts/password/reset/", "/accounts/activate/x/"]:
        response = client.get(url)
        assert response.status_code != 302 or not response["Location"].startswith(SETUP), url
    assert client.get("/static/css/ecmp.css").status_code in (200, 404)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/desk/")["Location"].startswith(LOGIN)


def test_an_htmx_request_moves_the_whole_window(agnes):
    client = password_sign_in(agnes)
    response = client.get("/desk/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(SETUP)


def test_when_optional_staff_without_a_device_go_on(settings, agnes):
    settings.ECMP_STAFF_2FA = "optional"
    assert password_sign_in(agnes).get("/desk/").status_code == 200


# --- Enrolment -------------------------------------------------------------------------


def test_enrolment_confirms_the_app_then_shows_ten_backup_codes_once(agnes):
    client = password_sign_in(agnes)
    page = client.get(SETUP + "?next=/desk/tickets/")
    assert page.status_code == 200
    secret = client.session["ecmp_2fa_pending_secret"]
    assert twofactor.secret_grouped(secret) in page.content.decode()
    assert 'src="data:image/svg+xml' in page.content.decode()
    # Reloading keeps the same secret (the app may have scanned it already).
    client.get(SETUP)
    assert client.session["ecmp_2fa_pending_secret"] == secret

    wrong = client.post(SETUP, {"code": "000000"})
    assert wrong.status_code == 200 and "does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=agnes).exists()

    done = client.post(SETUP, {"code": twofactor.current_code(secret), "next": "/desk/tickets/"})
    assert done.status_code == 200
    codes = shown_codes(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=agnes)
    assert device.confirmed and twofactor._secret_bytes(secret) == device.bin_key
    assert sorted(
        StaticToken.objects.filter(device__user=agnes).values_list("token", flat=True)
    ) == (sorted(codes))
    # The session is verified: the desk opens, and the setup page is not offered again.
    assert client.get("/desk/tickets/").status_code == 200
    assert client.get(SETUP)["Location"] == reverse("accounts:two-factor")
    kinds = list(AuditEvent.objects.filter(target_id=str(agnes.pk)).values_list("kind", flat=True))
    assert AuditEvent.Kind.TWO_FACTOR_ENROLLED in kinds
    assert AuditEvent.Kind.BACKUP_CODES_CREATED in kinds
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TWO_FACTOR_ENROLLED)
    assert event.actor == agnes and event.target_type == "user"


def test_the_code_that_confirmed_enrolment_cannot_be_used_again(agnes):
    client = password_sign_in(agnes)
    client.get(SETUP)
    secret = client.session["ecmp_2fa_pending_secret"]
    code = twofactor.current_code(secret)
    client.post(SETUP, {"code": code})
    other = password_sign_in(agnes)
    assert other.post(VERIFY, {"code": code}).status_code == 200  # refused: page again
    assert other.get("/desk/").status_code == 302


# --- Verification --------------------------------------------------------------------------


def test_a_user_with_a_device_is_asked_for_the_code_after_the_password(agnes):
    device, _ = enrolled(agnes)
    client = password_sign_in(agnes)
    response = client.get("/desk/")
    assert response["Location"] == VERIFY + "?next=%2Fdesk%2F"
    key_before = client.session.session_key
    done = client.post(VERIFY, {"code": fresh_code(device), "next": "/desk/"})
    assert done.status_code == 302 and done["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    # A new session key once the second factor is proven.
    assert client.session.session_key != key_before


def test_a_wrong_code_is_refused_and_throttled(agnes):
    enrolled(agnes)
    client = password_sign_in(agnes)
    refused = client.post(VERIFY, {"code": "123456"})
    assert refused.status_code == 200 and "not valid" in refused.content.decode()
    assert client.get("/desk/").status_code == 302
    device = TOTPDevice.objects.get(user=agnes)
    assert device.throttling_failure_count == 1
    # Throttled: even the right code waits until the delay has passed.
    assert client.post(VERIFY, {"code": fresh_code(device)}).status_code == 200
    # One row for the wrong code; the throttled attempt was not even checked.
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN_FAILED)
    assert event.actor == agnes and "second-factor" in event.detail


def test_a_throttled_authenticator_leaves_the_backup_codes_usable(agnes):
    _, codes = enrolled(agnes)
    client = password_sign_in(agnes)
    for _ in range(3):
        client.post(VERIFY, {"code": "123456"})
    assert TOTPDevice.objects.get(user=agnes).throttling_failure_count == 1
    # Someone failing six-digit codes does not lock the owner out of the backup codes.
    assert client.post(VERIFY, {"code": codes[3]}).status_code == 302


def test_a_backup_code_works_once(agnes):
    _, codes = enrolled(agnes)
    client = password_sign_in(agnes)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get("/desk/").status_code == 200
    assert StaticToken.objects.filter(device__user=agnes).count() == 9
    again = password_sign_in(agnes)
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert again.get("/desk/").status_code == 302


def test_a_session_verified_for_one_user_does_not_verify_another(agnes, adam):
    device, _ = enrolled(agnes)
    enrolled(adam, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    client = password_sign_in(agnes)
    client.post(VERIFY, {"code": fresh_code(device)})
    client.post("/accounts/logout/")
    client.post(LOGIN, {"username": adam.email, "password": TEST_PASSWORD})
    assert client.get("/desk/")["Location"].startswith(VERIFY)


def test_the_verify_page_sends_someone_without_a_device_to_enrol(agnes):
    client = password_sign_in(agnes)
    assert client.get(VERIFY)["Location"] == SETUP


def test_next_is_followed_only_to_our_own_pages(agnes):
    device, _ = enrolled(agnes)
    client = password_sign_in(agnes)
    response = client.post(VERIFY, {"code": fresh_code(device), "next": "https://evil.test/"})
    assert response["Location"] == reverse("portal:dashboard")


# --- Remembered browsers ----------------------------------------------------------------------


def remembered_client(user, device):
    client = password_sign_in(user)
    response = client.post(VERIFY, {"code": fresh_code(device), "remember": "on"})
    cookie = response.cookies[twofactor.REMEMBER_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == 30 * 24 * 3600
    return cookie.value


def test_a_remembered_browser_skips_the_code_for_the_same_user(agnes):
    device, _ = enrolled(agnes)
    value = remembered_client(agnes, device)
    later = password_sign_in(agnes)
    later.cookies[twofactor.REMEMBER_COOKIE] = value
    assert later.get("/desk/").status_code == 200
    # Not for someone else, not when tampered with.
    colleague = AgentFactory(email="x@support.test")
    enrolled(colleague, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    other = password_sign_in(colleague)
    other.cookies[twofactor.REMEMBER_COOKIE] = value
    assert other.get("/desk/").status_code == 302
    tampered = password_sign_in(agnes)
    tampered.cookies[twofactor.REMEMBER_COOKIE] = value[:-2] + "xx"
    assert tampered.get("/desk/").status_code == 302


def test_the_cookie_is_secure_when_cookies_are(settings, agnes):
    settings.SESSION_COOKIE_SECURE = True
    device, _ = enrolled(agnes)
    client = password_sign_in(agnes)
    response = client.post(VERIFY, {"code": fresh_code(device), "remember": "on"})
    assert response.cookies[twofactor.REMEMBER_COOKIE]["secure"]


def test_without_remember_no_cookie_is_set(agnes):
    device, _ = enrolled(agnes)
    response = password_sign_in(agnes).post(VERIFY, {"code": fresh_code(device)})
    assert twofactor.REMEMBER_COOKIE not in response.cookies


def test_a_remembered_browser_is_forgotten_after_a_reset_or_a_new_password(agnes, adam):
    device, _ = enrolled(agnes)
    value = remembered_client(agnes, device)
    twofactor.two_factor_reset(user=agnes, by=adam, detail="lost phone")
    enrolled(agnes)  # the same secret again: the binding is to the new device
    later = password_sign_in(agnes)
    later.cookies[twofactor.REMEMBER_COOKIE] = value
    assert later.get("/desk/")["Location"].startswith(VERIFY)

    device = twofactor.authenticator_for(agnes)
    value = remembered_client(agnes, device)
    agnes.set_password("An0ther-Passw0rd!")
    agnes.save()
    assert twofactor.remembered_device(user=agnes, cookie=value) is None


# --- Admin reset ---------------------------------------------------------------------------------


def verified_client(user, secret=SECRET):
    device, _ = enrolled(user, secret=secret)
    client = password_sign_in(user)
    assert client.post(VERIFY, {"code": fresh_code(device)}).status_code == 302
    return client


def test_an_admin_resets_a_second_factor_from_the_team_page(adam, agnes):
    admin = verified_client(adam, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    agent = verified_client(agnes)
    page = admin.get(reverse("desk:team"))
    assert page.status_code == 200
    url = reverse("desk:two-factor-reset", args=[agnes.pk])
    assert url in page.content.decode() and agnes.email in page.content.decode()
    # The confirm step asks why; nothing changes on GET.
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"reason": ""}).status_code == 400
    assert TOTPDevice.objects.filter(user=agnes).exists()

    response = admin.post(url, {"reason": "Phone lost, called her back"})
    assert response["Location"] == reverse("desk:team")
    assert not TOTPDevice.objects.filter(user=agnes).exists()
    assert not StaticDevice.objects.filter(user=agnes).exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TWO_FACTOR_RESET)
    assert event.actor == adam and event.target_id == str(agnes.pk)
    assert event.detail == "Phone lost, called her back"
    assert event.changes == {"enrolled": [True, False]}
    # Her verified session is verified no longer: she must enrol again.
    assert agent.get("/desk/")["Location"].startswith(SETUP)


def test_the_reset_button_is_on_each_person_of_an_organization(adam, alice, bob):
    admin = verified_client(adam)
    page = admin.get(reverse("desk:organization", args=[alice.organization_id])).content.decode()
    for person in (alice, bob):
        assert reverse("desk:two-factor-reset", args=[person.pk]) in page
    response = admin.post(reverse("desk:two-factor-reset", args=[alice.pk]), {"reason": "asked"})
    assert response["Location"] == reverse("desk:organization", args=[alice.organization_id])


def test_an_agent_cannot_reset_nor_see_the_team(agnes, adam):
    verified_client(adam, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    agent = verified_client(agnes)
    assert agent.get(reverse("desk:team")).status_code == 403
    url = reverse("desk:two-factor-reset", args=[adam.pk])
    assert agent.post(url, {"reason": "no"}).status_code == 403
    assert TOTPDevice.objects.filter(user=adam).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.TWO_FACTOR_RESET).exists()
    with pytest.raises(twofactor.TwoFactorError):
        twofactor.two_factor_reset(user=adam, by=agnes)


def test_a_customer_cannot_reach_the_team_page(alice):
    client = Client()
    client.force_login(alice)
    assert client.get(reverse("desk:team")).status_code == 403


def test_the_reset_needs_the_csrf_token(adam, agnes):
    verified = verified_client(adam)
    session_cookie = verified.cookies["sessionid"].value
    strict = Client(enforce_csrf_checks=True)
    strict.cookies["sessionid"] = session_cookie
    enrolled(agnes, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    response = strict.post(reverse("desk:two-factor-reset", args=[agnes.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=agnes).exists()


def test_the_last_admin_resets_from_the_command_line(adam):
    enrolled(adam)
    call_command("reset_2fa", "ADAM@support.test")
    assert not TOTPDevice.objects.filter(user=adam).exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TWO_FACTOR_RESET)
    assert event.actor is None and event.detail == "from the command line"
    assert event.target_id == str(adam.pk)


def test_the_command_names_an_unknown_address(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("reset_2fa", "nobody@example.test")


# --- Customers (optional) and one's own page --------------------------------------------------------


def test_a_customer_signs_in_without_a_second_factor_and_may_enrol(alice):
    client = password_sign_in(alice)
    account = client.get(reverse("accounts:account"))
    assert account.status_code == 200
    assert reverse("accounts:two-factor") in account.content.decode()
    assert client.get(reverse("accounts:two-factor")).status_code == 200
    client.get(SETUP)
    secret = client.session["ecmp_2fa_pending_secret"]
    assert client.post(SETUP, {"code": twofactor.current_code(secret)}).status_code == 200
    # Next sign-in asks for the code.
    assert password_sign_in(alice).get("/portal/")["Location"].startswith(VERIFY)


def test_a_customer_turns_it_off_but_staff_may_not_when_required(alice, agnes, settings):
    customer = verified_client(alice)
    assert customer.post(reverse("accounts:two-factor-off")).status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TWO_FACTOR_RESET)
    assert event.actor == alice and event.detail == "turned off by the user"

    agent = verified_client(agnes, secret="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    page = agent.get(reverse("accounts:two-factor")).content.decode()
    assert reverse("accounts:two-factor-off") not in page
    agent.post(reverse("accounts:two-factor-off"))
    assert TOTPDevice.objects.filter(user=agnes).exists()

    settings.ECMP_STAFF_2FA = "optional"
    agent.post(reverse("accounts:two-factor-off"))
    assert not TOTPDevice.objects.filter(user=agnes).exists()


def test_new_backup_codes_replace_the_old_ones(alice):
    client = verified_client(alice)
    old = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    response = client.post(reverse("accounts:two-factor-backup-codes"))
    new = set(shown_codes(response))
    assert len(new) == 10 and not (new & old)
    assert (
        set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)) == new
    )
    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.BACKUP_CODES_CREATED, actor=alice
    ).exists()


def test_an_unverified_session_cannot_manage_the_second_factor(alice):
    enrolled(alice)
    client = password_sign_in(alice)
    for url in ("accounts:two-factor-off", "accounts:two-factor-backup-codes"):
        assert client.post(reverse(url))["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert client.get(reverse("accounts:account"))["Location"].startswith(VERIFY)


def test_the_account_page_is_in_the_user_menu(client_for, alice, settings):
    settings.ECMP_STAFF_2FA = "optional"
    page = client_for(alice).get(reverse("portal:dashboard")).content.decode()
    assert reverse("accounts:account") in page


# --- Demo data ------------------------------------------------------------------------------


def test_demo_staff_come_enrolled_with_the_printed_secret(db):
    from io import StringIO

    from ecmp.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert f"Two-factor secret for staff: {DEMO_TOTP_SECRET}" in out.getvalue()
    agent = User.objects.get(email="agent@ecmp.example")
    device = twofactor.authenticator_for(agent)
    assert device is not None and device.bin_key == twofactor._secret_bytes(DEMO_TOTP_SECRET)
    customer = User.objects.get(email="user@acme.example")
    assert twofactor.authenticator_for(customer) is None
    # The demo sign-in works with the code an app computes from the printed secret.
    client = Client()
    client.post(LOGIN, {"username": "agent", "password": DEMO_PASSWORD})
    assert client.get("/desk/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": twofactor.current_code(DEMO_TOTP_SECRET)})
    assert client.get("/desk/").status_code == 200


# --- The flag the gate reads -----------------------------------------------------


def test_the_gate_asks_the_database_for_devices_only_of_those_who_have_one(alice, agnes):
    client = password_sign_in(alice)
    client.get(reverse("portal:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    assert not [q for q in queries.captured_queries if "otp_totp" in q["sql"]]
    enrolled(alice)
    assert User.objects.get(pk=alice.pk).has_authenticator
    # The flag is what the gate trusts: set, the same session must now give a code.
    assert client.get(reverse("portal:dashboard"))["Location"].startswith(VERIFY)
    twofactor.two_factor_reset(user=alice, by=None, detail="test")
    assert not User.objects.get(pk=alice.pk).has_authenticator
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_second_factors_cannot_be_added_in_the_django_admin(adam):
    client = Client()
    client.force_login(adam)
    for name in ("otp_totp_totpdevice_add", "otp_static_staticdevice_add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{name}")
