"""The SSRF guard of webhooks (issue 21 §3, docs/api.md): requests only to public
addresses registered by admins, checked at registration and at each delivery, the
checked address pinned, and no redirect followed."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from ecmp.accounts.models import AuditEvent
from ecmp.webhooks import guard, services
from ecmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_ticket
from tests.webhook_server import Receiver

REFUSED = [
    "http://127.0.0.1/",
    "http://10.0.0.1/hook",
    "http://192.168.1.20:8080/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://224.0.0.1/",
    "http://localhost:8000/admin/",
    "ftp://93.184.215.14/",
    "file:///etc/passwd",
    "gopher://93.184.215.14/",
    "http://user:secret@93.184.215.14/",
    "http:///nohost",
    "http://93.184.215.14:99999/",
    "not a url",
]


@pytest.fixture
def server(settings):
    settings.ECMP_WEBHOOK_TIMEOUT = 0.5
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.mark.parametrize("url", REFUSED)
def test_registering_a_private_or_odd_address_is_refused(url, adam):
    with pytest.raises(ValidationError) as refusal:
        services.endpoint_create(by=adam, url=url, events=["ticket.created"])
    assert refusal.value.messages[0]
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).exists()


def test_a_public_address_is_accepted(adam):
    # An IP literal: no DNS needed on a machine without network.
    endpoint = services.endpoint_create(
        by=adam, url="https://93.184.215.14/hooks", events=["ticket.created"]
    )
    assert endpoint.secret.startswith("whsec_")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.WEBHOOK_CHANGED).count() == 1


def test_a_host_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    def resolve(host, port, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(guard.socket, "getaddrinfo", resolve)
    with pytest.raises(guard.GuardRefusal):
        guard.target_resolve("https://hooks.example.test/")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.2", False),
        ("::ffff:10.0.0.1", False),
        ("2002:0a00:0001::1", False),  # 6to4 of 10.0.0.1
        ("ff02::1", False),
        ("::", False),
        ("240.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert guard.address_is_public(address) is public


def test_the_setting_lets_an_admin_allow_the_local_network(settings, adam):
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    endpoint = services.endpoint_create(
        by=adam, url="http://127.0.0.1:8080/hook", events=["ticket.created"]
    )
    assert endpoint.pk


def test_each_delivery_checks_the_address_again(run_on_commit, server, settings, adam, alice):
    """Registered while allowed (or while the name resolved to a public address): once
    refused, the delivery fails without any request."""
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    services.endpoint_create(by=adam, url=server.url, events=["ticket.created"])
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = False
    run_on_commit(lambda: make_ticket(alice))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "public addresses" in delivery.error
    assert server.requests == []


def test_the_checked_address_is_the_one_connected_to(
    run_on_commit, server, settings, monkeypatch, adam, alice
):
    """The host name is resolved once, by the guard; the connection goes to that
    address (a second lookup, by a rebinding DNS, would not be used), with the host
    name in the Host header."""
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    port = server.server.server_address[1]
    lookups = []

    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        lookups.append(host)
        if host != "hooks.example.test":
            return real(host, port_, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    url = f"http://hooks.example.test:{port}/in"
    services.endpoint_create(by=adam, url=url, events=["ticket.created"])
    lookups.clear()
    run_on_commit(lambda: make_ticket(alice))
    # Looked up once; the connection then goes to the address (no new lookup of the name).
    assert lookups.count("hooks.example.test") == 1
    path, headers, _body = server.requests[0]
    assert path == "/in" and headers["Host"] == f"hooks.example.test:{port}"
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_redirect_to_a_private_address_is_not_followed(
    run_on_commit, server, settings, adam, alice
):
    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    target = Receiver()
    try:
        server.answers = [(302, {"Location": target.url})]
        services.endpoint_create(by=adam, url=server.url, events=["ticket.created"])
        run_on_commit(lambda: make_ticket(alice))
        assert len(server.requests) == 1 and target.requests == []
    finally:
        target.stop()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.response_status == 302
    assert delivery.error.startswith("Redirect not followed")


def _self_signed(tmp_path, name):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_checks_the_certificate_of_the_host_name(
    run_on_commit, server, settings, monkeypatch, tmp_path, adam, alice
):
    """Over https, the pinned connection still checks the certificate for the host
    name (SNI): a certificate nobody vouches for is a failed attempt, nothing sent."""
    import ssl

    settings.ECMP_WEBHOOK_ALLOW_PRIVATE = True
    cert_file, key_file = _self_signed(tmp_path, "hooks.example.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    port = server.server.server_address[1]
    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port_, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    services.endpoint_create(
        by=adam, url=f"https://hooks.example.test:{port}/in", events=["ticket.created"]
    )
    run_on_commit(lambda: make_ticket(alice))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "CERTIFICATE_VERIFY_FAILED" in delivery.error
    assert server.requests == []
