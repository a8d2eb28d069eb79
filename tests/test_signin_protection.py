"""Issue 16, section 1: lockout that cannot be turned against users, the client
address behind proxies, throttled password reset and invitation renewal, and the
audit of sign-in events. Each finding of the issue is a test here."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecmp.accounts.models import AuditEvent, Invitation, SignInAlert, ThrottleHit
from ecmp.accounts.signin import KNOWN_BROWSER_COOKIE
from ecmp.accounts.throttle import client_ip_address
from ecmp.mail.models import OutboundEmail
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import activation_path_for, last_link

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
RESET = reverse("accounts:password-reset")
WRONG = "Wrong-Password-1"


def sign_in(client, identifier, password=TEST_PASSWORD, ip="10.0.0.1", url=LOGIN, **extra):
    return client.post(url, {"username": identifier, "password": password}, REMOTE_ADDR=ip, **extra)


def fail_from_many_addresses(identifier, times, url=LOGIN):
    for n in range(times):
        sign_in(Client(), identifier, WRONG, ip=f"198.51.100.{n + 1}", url=url)


def time_passes(seconds):
    """Move every counted failure back in time (as if `seconds` had passed)."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def alerts_sent(user):
    return OutboundEmail.objects.filter(kind="signin_alert", to=[user.email])


# --- Lockout as a weapon ------------------------------------------------------------


def test_five_failures_from_five_addresses_do_not_lock_the_owner_out(alice):
    fail_from_many_addresses("alice@acme.test", 5)
    assert sign_in(Client(), "alice@acme.test", ip="203.0.113.9").status_code == 302


def test_nor_on_the_admin_login(adam):
    fail_from_many_addresses("adam@support.test", 5, url=ADMIN_LOGIN)
    response = sign_in(Client(), "adam@support.test", ip="203.0.113.9", url=ADMIN_LOGIN)
    assert response.status_code == 302
    assert response.wsgi_request.session["_auth_user_id"] == str(adam.pk)


def test_the_pair_still_locks_on_the_admin_login(adam):
    for _ in range(5):
        sign_in(Client(), "adam@support.test", WRONG, ip="198.51.100.7", url=ADMIN_LOGIN)
    locked = sign_in(Client(), "adam@support.test", ip="198.51.100.7", url=ADMIN_LOGIN)
    assert locked.status_code == 429


def test_one_address_hammering_an_account_slows_nobody_else_down(alice):
    for _ in range(30):
        sign_in(Client(), "alice@acme.test", WRONG, ip="198.51.100.1")
    # Refused attempts during the pair's lock are not counted against the account.
    assert AccessAttempt.objects.get().failures_since_start == 5
    assert sign_in(Client(), "alice@acme.test", ip="203.0.113.9").status_code == 302
    assert not alerts_sent(alice).exists()


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=30)
def test_an_account_attacked_from_everywhere_is_slowed_down_not_locked(alice):
    fail_from_many_addresses("alice@acme.test", 6)
    # A fresh browser: refused without the password being read, told how long to wait.
    slowed = sign_in(Client(), "alice@acme.test", ip="203.0.113.9")
    assert slowed.status_code == 429
    assert 0 < int(slowed["Retry-After"]) <= 30
    assert "try again in" in slowed.content.decode()
    assert "_auth_user_id" not in slowed.wsgi_request.session
    # Refusals are not failures: the owner's own pair is not counted up to a lock.
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()
    # Once the delay has passed, one try goes through: the owner's is good.
    time_passes(31)
    assert sign_in(Client(), "alice@acme.test", ip="203.0.113.9").status_code == 302


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6)
def test_the_owners_known_browser_is_not_slowed_down(alice):
    owner = Client()
    assert sign_in(owner, "alice", ip="203.0.113.9").status_code == 302
    assert KNOWN_BROWSER_COOKIE in owner.cookies
    owner.post(reverse("accounts:logout"))
    fail_from_many_addresses("alice@acme.test", 8)
    assert sign_in(owner, "alice", ip="203.0.113.10").status_code == 302


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6)
def test_a_known_browser_of_another_account_or_an_old_password_does_not_pass(alice, bob):
    browser = Client()
    sign_in(browser, "bob@acme.test")
    browser.post(reverse("accounts:logout"))
    fail_from_many_addresses("alice@acme.test", 6)
    assert sign_in(browser, "alice", ip="203.0.113.9").status_code == 429

    owner = Client()
    sign_in(owner, "alice", ip="203.0.113.9")
    owner.post(reverse("accounts:logout"))
    time_passes(3600)
    alice.set_password("Another-Secret-77")
    alice.save()
    fail_from_many_addresses("alice@acme.test", 6)
    assert sign_in(owner, "alice", "Another-Secret-77", ip="203.0.113.9").status_code == 429


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6)
def test_an_unknown_account_is_slowed_down_the_same_way(db):
    fail_from_many_addresses("nobody@nowhere.test", 6)
    assert sign_in(Client(), "nobody@nowhere.test", ip="203.0.113.9").status_code == 429


# --- The owner is told once, and unlocks their browser with one click ----------------


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_the_owner_gets_one_email_with_a_single_use_unlock_link(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("alice@acme.test", 20)
    assert alerts_sent(alice).count() == 1
    assert mail.outbox[-1].subject == "Someone is trying your password"
    link = last_link("/accounts/unlock/")

    # Opening the link (a mail scanner does) uses nothing up.
    assert Client().get(link).status_code == 200
    owner = Client()
    assert owner.get(link).status_code == 200
    unlocked = owner.post(link)
    assert unlocked.status_code == 302
    assert KNOWN_BROWSER_COOKIE in owner.cookies
    assert Client().post(link).status_code == 410  # single use

    with override_settings(ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=30):
        assert sign_in(Client(), "alice", ip="203.0.113.9").status_code == 429
        assert sign_in(owner, "alice", ip="203.0.113.9").status_code == 302


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_the_owner_is_told_again_only_after_the_cool_off_window(alice):
    fail_from_many_addresses("alice@acme.test", 8)
    assert alerts_sent(alice).count() == 1
    SignInAlert.objects.update(alerted_at=timezone.now() - timedelta(minutes=31))
    fail_from_many_addresses("alice@acme.test", 2)
    assert alerts_sent(alice).count() == 2


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "eyJ1IjoxLCJuIjoieCJ9:forged:sig"])
def test_a_forged_or_unknown_unlock_link_is_refused(client, alice, token):
    assert client.get(reverse("accounts:signin-unlock", args=[token])).status_code == 410
    assert client.post(reverse("accounts:signin-unlock", args=[token])).status_code == 410
    assert KNOWN_BROWSER_COOKIE not in client.cookies


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_an_unlock_link_expires(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("alice@acme.test", 6)
    link = last_link("/accounts/unlock/")
    with override_settings(ECMP_SIGNIN_UNLOCK_HOURS=0):
        assert Client().post(link).status_code == 410


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_a_known_browser_is_still_locked_for_its_own_pair(alice):
    owner = Client()
    sign_in(owner, "alice", ip="203.0.113.9")
    owner.post(reverse("accounts:logout"))
    for _ in range(5):
        sign_in(owner, "alice", WRONG, ip="203.0.113.9")
    assert sign_in(owner, "alice", ip="203.0.113.9").status_code == 429


# --- Limit bypass ----------------------------------------------------------------------


@override_settings(ECMP_SIGNIN_ADDRESS_LIMIT=8)
def test_a_success_on_the_attackers_own_account_clears_no_other_failures(alice, bob, carol):
    attacker = UserFactory(email="mallory@evil.test")
    victims = ["alice@acme.test", "bob@acme.test", "carol@globex.test"]
    refused = 0
    for _round in range(4):
        for victim in victims:
            response = sign_in(Client(), victim, WRONG, ip="198.51.100.66")
            refused += response.status_code == 429
        sign_in(Client(), attacker.email, ip="198.51.100.66")
    # The address's failures added up over the rounds: it is locked, its own account too.
    assert refused > 0
    assert sign_in(Client(), attacker.email, ip="198.51.100.66").status_code == 429
    assert sign_in(Client(), "bob@acme.test", ip="198.51.100.66").status_code == 429
    # Everyone else signs in.
    assert sign_in(Client(), "bob@acme.test", ip="203.0.113.20").status_code == 302


def test_a_success_clears_only_its_own_pair(alice, bob):
    for _ in range(3):
        sign_in(Client(), "bob@acme.test", WRONG, ip="198.51.100.5")
        sign_in(Client(), "alice@acme.test", WRONG, ip="198.51.100.5")
    assert sign_in(Client(), "alice@acme.test", ip="198.51.100.5").status_code == 302
    left = AccessAttempt.objects.filter(ip_address="198.51.100.5")
    assert list(left.values_list("username", flat=True)) == ["bob@acme.test"]
    assert left.get().failures_since_start == 3


# --- The client address behind proxies --------------------------------------------------


def address_of(**meta):
    return client_ip_address(RequestFactory().get("/", **meta))


def test_without_a_trusted_proxy_a_forged_forwarded_for_is_ignored():
    assert address_of(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4") == "198.51.100.1"
    assert address_of(REMOTE_ADDR="198.51.100.1", HTTP_X_REAL_IP="1.2.3.4") == "198.51.100.1"


@override_settings(ECMP_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_the_client():
    # nginx appends the address it received the request from to what the client sent.
    forged = "6.6.6.6, 203.0.113.5"
    assert address_of(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forged) == "203.0.113.5"
    assert address_of(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5") == "203.0.113.5"
    # Garbage written by the client on the left moves nothing.
    garbage = "not-an-ip, , 203.0.113.5"
    assert address_of(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=garbage) == "203.0.113.5"
    # A request that did not come through the proxy: its own address.
    assert address_of(REMOTE_ADDR="198.51.100.1") == "198.51.100.1"


@override_settings(ECMP_TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_ones_view_is_the_client():
    chain = "6.6.6.6, 203.0.113.5, 10.0.0.2"
    assert address_of(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=chain) == "203.0.113.5"


@override_settings(ECMP_TRUSTED_PROXY_COUNT=1, ECMP_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_a_named_header_is_read_instead_of_forwarded_for():
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.5"}
    assert address_of(HTTP_X_FORWARDED_FOR="6.6.6.6", **meta) == "203.0.113.5"


@override_settings(ECMP_TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=3)
def test_behind_the_proxy_one_lockout_does_not_block_everyone(alice, bob):
    def through_proxy(client, who, password, client_ip, forged=""):
        chain = f"{forged}, {client_ip}" if forged else client_ip
        return sign_in(client, who, password, ip="127.0.0.1", HTTP_X_FORWARDED_FOR=chain)

    # An attacker forging a new address each time is still counted at its real one.
    for n in range(3):
        through_proxy(Client(), "alice@acme.test", WRONG, "203.0.113.66", forged=f"1.1.1.{n}")
    assert (
        through_proxy(Client(), "alice@acme.test", TEST_PASSWORD, "203.0.113.66").status_code == 429
    )
    # Everyone else behind the same proxy signs in.
    assert (
        through_proxy(Client(), "alice@acme.test", TEST_PASSWORD, "203.0.113.7").status_code == 302
    )
    assert through_proxy(Client(), "bob@acme.test", TEST_PASSWORD, "203.0.113.8").status_code == 302
    failed = AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_FAILED).first()
    assert failed.address == "203.0.113.66"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_without_a_trusted_proxy_forging_does_not_escape_the_lock(alice):
    for n in range(3):
        sign_in(Client(), "alice", WRONG, ip="198.51.100.9", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    locked = sign_in(Client(), "alice", ip="198.51.100.9", HTTP_X_FORWARDED_FOR="1.1.1.200")
    assert locked.status_code == 429


# --- Password reset and invitation renewal ----------------------------------------------


def ask_reset(email, ip="198.51.100.1"):
    return Client().post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_forty_reset_requests_send_three_emails(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answers = {ask_reset("alice@acme.test", ip=f"198.51.100.{n + 1}").url for n in range(40)}
    assert answers == {reverse("accounts:password-reset-sent")}
    assert [email.to for email in mail.outbox] == [["alice@acme.test"]] * 3


@override_settings(ECMP_RESET_ADDRESS_LIMIT=10)
def test_one_address_asks_for_ten_resets_an_hour(db, django_capture_on_commit_callbacks):
    people = [UserFactory(email=f"p{n}@acme.test") for n in range(12)]
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask_reset(person.email).status_code for person in people]
    assert answers == [302] * 12
    assert len(mail.outbox) == 10
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(people[-1].email, ip="198.51.100.2")
    assert mail.outbox[-1].to == [people[-1].email]


def test_an_hour_later_the_owner_may_ask_again(alice, django_capture_on_commit_callbacks):
    for n in range(3):
        ask_reset("alice@acme.test", ip=f"198.51.100.{n + 1}")
    ThrottleHit.objects.update(at=F("at") - timedelta(minutes=61))
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset("alice@acme.test", ip="198.51.100.200")
    assert len(mail.outbox) == 1


def _reset_request_trace(email, capture):
    with CaptureQueriesContext(connection) as queries, capture() as callbacks:
        response = ask_reset(email, ip="198.51.100.77")
    # The statements without their values (the typed address and the times differ).
    statements = [
        re.sub(r"'[^']*'|\bs\d+_x\d+\b|\b\d+\b", "?", query["sql"])
        for query in queries.captured_queries
    ]
    return response, statements, callbacks


def test_reset_takes_the_same_path_for_known_and_unknown_addresses(
    alice, django_capture_on_commit_callbacks
):
    known = _reset_request_trace("alice@acme.test", django_capture_on_commit_callbacks)
    unknown = _reset_request_trace("nobody@acme.test", django_capture_on_commit_callbacks)
    assert known[0].status_code == unknown[0].status_code == 302
    assert known[0].url == unknown[0].url
    # The same statements (no lookup of the account in the request)…
    assert known[1] == unknown[1]
    assert not any('"accounts_user"' in sql for sql in known[1])
    # …and the same single task, handed the typed address after commit.
    assert len(known[2]) == len(unknown[2]) == 1
    assert mail.outbox == []
    for callback in known[2] + unknown[2]:
        callback()
    queued = OutboundEmail.objects.filter(kind="password_reset")
    assert list(queued.values_list("to", flat=True)) == [["alice@acme.test"]]


@override_settings(ECMP_RESET_ADDRESS_LIMIT=2)
def test_invitation_renewal_is_throttled_per_address(
    agnes, acme, django_capture_on_commit_callbacks
):
    links = []
    for n in range(3):
        newcomer = UserFactory(
            email=f"new{n}@acme.test", organization=acme, password=None, activated_at=None
        )
        links.append(activation_path_for(newcomer, agnes, django_capture_on_commit_callbacks))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            Client().post(link.rstrip("/") + "/renew/", REMOTE_ADDR="198.51.100.3").status_code
            for link in links
        ]
    assert answers == [200, 200, 200]  # always the same answer…
    assert len(mail.outbox) == sent + 2  # …but the third is not sent


@override_settings(ECMP_RESET_ACCOUNT_LIMIT=1)
def test_invitation_renewal_is_throttled_per_account(
    agnes, acme, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(
        email="new@acme.test", organization=acme, password=None, activated_at=None
    )
    link = activation_path_for(newcomer, agnes, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    for n in range(2):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=True):
            answer = Client().post(link.rstrip("/") + "/renew/", REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert answer.status_code == 200
        if mail.outbox[sent:]:
            link = last_link("/accounts/activate/")
    assert len(mail.outbox) == sent + 1


# --- The audit log of sign-in events -----------------------------------------------------


def kinds():
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def test_sign_in_and_failures_are_audited(alice):
    sign_in(Client(), "alice", ip="203.0.113.1")
    sign_in(Client(), "alice", WRONG, ip="203.0.113.2")
    sign_in(Client(), "Nobody@Nowhere.test", WRONG, ip="203.0.113.3")
    # A password typed into the login field by mistake is not kept.
    sign_in(Client(), "Tr0ub4dor&3" + "x" * 200, WRONG, ip="203.0.113.4")
    signed_in, wrong, unknown, password_typed = AuditEvent.objects.order_by("id")
    assert (signed_in.kind, signed_in.actor, signed_in.address) == ("sign_in", alice, "203.0.113.1")
    assert (wrong.kind, wrong.actor, wrong.target_id) == ("sign_in_failed", None, str(alice.pk))
    assert wrong.address == "203.0.113.2"
    assert (unknown.kind, unknown.actor, unknown.target_id) == ("sign_in_failed", None, "")
    assert unknown.actor_label == "Nobody@Nowhere.test"
    assert password_typed.kind == "sign_in_failed" and password_typed.actor_label == ""


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_lock_is_audited_once(alice):
    for _ in range(6):
        sign_in(Client(), "alice", WRONG, ip="203.0.113.2")
    assert kinds().count(AuditEvent.Kind.LOCKED_OUT) == 1
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOCKED_OUT).target_id == str(alice.pk)


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=6, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=0)
def test_the_alert_and_the_unlock_are_audited(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fail_from_many_addresses("alice@acme.test", 6)
    Client().post(last_link("/accounts/unlock/"))
    assert kinds().count(AuditEvent.Kind.LOCKED_OUT) == 1
    unlocked = AuditEvent.objects.get(kind=AuditEvent.Kind.UNLOCKED)
    assert (unlocked.actor, unlocked.target_id) == (alice, str(alice.pk))


def test_password_change_and_reset_are_audited(
    client_for, alice, django_capture_on_commit_callbacks
):
    new = "Quiet-River-88"
    client_for(alice).post(
        reverse("accounts:password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
    )
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset("alice@acme.test", ip="203.0.113.4")
    client = Client()
    form_page = client.get(last_link("/accounts/reset/"), follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new + "x", "new_password2": new + "x"}
    )
    assert kinds()[-3:] == ["password_changed", "password_reset_asked", "password_reset"]
    asked = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_RESET_REQUESTED)
    assert (asked.target_id, asked.address) == (str(alice.pk), "203.0.113.4")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_password_reset_forgets_the_accounts_failures(alice, django_capture_on_commit_callbacks):
    for _ in range(3):
        sign_in(Client(), "alice", WRONG, ip="203.0.113.2")
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset("alice@acme.test", ip="203.0.113.2")
    client = Client()
    form_page = client.get(last_link("/accounts/reset/"), follow=True)
    new = "Fresh-Garden-51"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert sign_in(Client(), "alice", new, ip="203.0.113.2").status_code == 302
