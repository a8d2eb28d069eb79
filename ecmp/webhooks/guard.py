"""The SSRF guard of webhooks (docs/api.md, "Webhooks"): where a request may go.

A webhook makes the server send requests to addresses typed in by an admin; an
address on the server's own network (the database, a cloud's metadata service at
169.254.169.254, an admin page on localhost) must never be one of them. So:

- only http and https URLs, without user name or password, registered by an admin;
- the host is resolved, and every address it resolves to must be a public one:
  loopback, private, link-local, shared (CGNAT), multicast, reserved and unspecified
  addresses are refused, in IPv4 and IPv6 (an IPv4-mapped IPv6 address is judged by
  its IPv4 address), unless ECMP_WEBHOOK_ALLOW_PRIVATE is set (an endpoint on the
  local network, and the tests' local server);
- the request then connects to the address that was checked (pinned): a DNS answer
  that changes between the check and the connection cannot bypass the guard;
- redirects are never followed (a 3xx is a failed attempt, recorded in the log).

The URL is checked when it is registered (a form error) and again at each delivery.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_PORTS = {"http": 80, "https": 443}


class GuardRefusal(Exception):
    """The URL may not be called; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """Where one request goes: the URL's parts, and the address checked to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return ip.is_global and not ip.is_multicast


def _parts(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise GuardRefusal(_("This is not a valid URL.")) from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise GuardRefusal(_("Only http:// and https:// addresses can receive webhooks."))
    if parts.username is not None or parts.password is not None:
        raise GuardRefusal(_("The address may not contain a user name or password."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise GuardRefusal(_("This is not a valid URL."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or DEFAULT_PORTS[scheme], path


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise GuardRefusal(_("The host name could not be resolved.")) from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def target_resolve(url: str) -> Target:
    """The checked target of `url`, or GuardRefusal. Every address of the host must
    be public (a host that answers with one private address among public ones is
    refused: which one a client picks is not ours to choose)."""
    scheme, host, port, path = _parts(url)
    addresses = _resolve(host, port)
    if not addresses:
        raise GuardRefusal(_("The host name could not be resolved."))
    if not settings.ECMP_WEBHOOK_ALLOW_PRIVATE and not all(map(address_is_public, addresses)):
        raise GuardRefusal(
            _("Webhooks can only be sent to public addresses, not to this server's network.")
        )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
