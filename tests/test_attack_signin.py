"""Sign-in and the second factor, attacked (issue 16 review): each weakness found is
a test here, next to the fix that closes it."""

from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from ecmp.accounts.models import AuditEvent
from tests.factories import TEST_PASSWORD

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password-reset")
WRONG = "Wrong-Password-1"


def sign_in(client, identifier, password=TEST_PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": identifier, "password": password}, REMOTE_ADDR=ip)


# --- The client address as counted ----------------------------------------------------


@override_settings(AXES_FAILURE_LIMIT=3)
def test_one_ipv6_network_is_one_address(alice):
    # Anyone with IPv6 holds a /64 (2^64 addresses): a new address per guess must
    # not give a new allowance.
    for n in range(3):
        sign_in(Client(), "alice", WRONG, ip=f"2001:db8:1:2::{n + 1:x}")
    assert sign_in(Client(), "alice", ip="2001:db8:1:2:abcd::9").status_code == 429
    # Another network (another subscriber) signs in.
    assert sign_in(Client(), "alice", ip="2001:db8:1:3::1").status_code == 302


@override_settings(ECMP_SIGNIN_ADDRESS_LIMIT=4, ECMP_SIGNIN_ACCOUNT_LIMIT=100)
def test_walking_through_accounts_from_one_ipv6_network_locks_it(alice, bob, carol):
    for n, who in enumerate(["nobody1", "nobody2", "bob", "carol"]):
        sign_in(Client(), who, WRONG, ip=f"2001:db8:7:7:{n}::1")
    assert sign_in(Client(), "alice", ip="2001:db8:7:7:ffff::1").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_an_ipv4_address_written_as_ipv6_is_the_same_address(alice):
    # A dual-stack server reports IPv4 clients as ::ffff:a.b.c.d.
    for ip in ("198.51.100.7", "::ffff:198.51.100.7", "::FFFF:c633:6407"):
        sign_in(Client(), "alice", WRONG, ip=ip)
    assert sign_in(Client(), "alice", ip="198.51.100.7").status_code == 429


@override_settings(ECMP_RESET_ADDRESS_LIMIT=2)
def test_reset_requests_from_one_ipv6_network_share_its_allowance(
    alice, bob, carol, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n, who in enumerate([alice, bob, carol]):
            Client().post(RESET, {"email": who.email}, REMOTE_ADDR=f"2001:db8:5:5::{n + 1}")
    assert [email.to for email in mail.outbox] == [[alice.email], [bob.email]]


def test_the_audit_log_records_the_address_as_counted(alice):
    sign_in(Client(), "alice", ip="2001:db8:1:2:3:4:5:6")
    sign_in(Client(), "alice", WRONG, ip="::ffff:198.51.100.7")
    signed_in, failed = AuditEvent.objects.order_by("id")
    assert (signed_in.address, failed.address) == ("2001:db8:1:2::", "198.51.100.7")


# --- The audit log cannot be flooded from one address ---------------------------------


@override_settings(AXES_FAILURE_LIMIT=3)
def test_attempts_refused_during_a_lock_add_no_rows(alice):
    for _ in range(3):
        sign_in(Client(), "alice", WRONG, ip="203.0.113.2")
    before = AuditEvent.objects.count()
    for _ in range(30):
        assert sign_in(Client(), "alice", WRONG, ip="203.0.113.2").status_code == 429
    # The lock itself is one event; the requests refused unchecked are not guesses.
    assert AuditEvent.objects.count() - before <= 1


@override_settings(ECMP_SIGNIN_ACCOUNT_LIMIT=3, ECMP_SIGNIN_ACCOUNT_DELAY_SECONDS=600)
def test_attempts_refused_on_a_slowed_down_account_add_no_rows(alice):
    for n in range(3):
        sign_in(Client(), "alice", WRONG, ip=f"198.51.100.{n + 1}")
    before = AuditEvent.objects.count()
    for n in range(30):
        assert sign_in(Client(), "alice", WRONG, ip=f"203.0.113.{n + 1}").status_code == 429
    assert AuditEvent.objects.count() == before
