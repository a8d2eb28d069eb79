"""Who is asking (the client address, behind trusted proxies only) and how often.

The address is what sign-in lockout, the request throttles and the audit log all
see: axes calls `client_ip_address` (AXES_CLIENT_IP_CALLABLE), and so does the audit
middleware through axes. Counters are rows in the database, not a cache: several web
processes serve requests, and they must all count together.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from ipaddress import IPv6Address, ip_address, ip_network

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from ipware.ip import get_client_ip

from ecmp.accounts.models import ThrottleHit

# Rows older than this are of no use to any window and are purged as we go.
LONGEST_WINDOW = timedelta(hours=24)
# An IPv6 subscriber (a home, a server) is given a whole /64: 2^64 addresses, a
# new one for every guess. The network is what is counted, as one address.
IPV6_SUBSCRIBER_PREFIX = 64


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, unless ECMP_TRUSTED_PROXY_COUNT proxies stand
    in front of us, in which case the address the outermost one of them saw.

    Each trusted proxy appends the address it received the request from, so the
    client is the Nth entry from the right of the header (N proxies): what the client
    itself wrote further left is never read. A header too short to hold that entry
    (a request that did not come through the proxies) falls back to REMOTE_ADDR.
    """
    proxies = settings.ECMP_TRUSTED_PROXY_COUNT
    if proxies > 0:
        header = settings.ECMP_CLIENT_IP_HEADER or "HTTP_X_FORWARDED_FOR"
        # ipware counts the proxies *in the header*: the nearest one is REMOTE_ADDR.
        address, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=proxies - 1,
            request_header_order=[header],
            strict=False,
        )
        if address:
            return counted_address(address)
    remote = request.META.get("REMOTE_ADDR")
    return counted_address(remote) if remote else None


def counted_address(address: str) -> str:
    """One client, one address: an IPv4 address however it is written (a dual-stack
    server reports ::ffff:a.b.c.d), an IPv6 address as its /64 network."""
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        network = ip_network(f"{parsed}/{IPV6_SUBSCRIBER_PREFIX}", strict=False)
        return str(network.network_address)
    return str(parsed)


def hashed(value: str) -> str:
    """A key that does not store the address typed (the table is no list of people)."""
    return hashlib.sha256(value.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:40]


def throttle_allows(limits: list[tuple[str, int]], *, window: timedelta) -> bool:
    """Count one request under every key if each is still under its limit in `window`.

    A refused request counts nowhere: a flood from one address does not also use
    up its target's allowance.
    """
    now = timezone.now()
    keys = [key for key, _limit in limits]
    with transaction.atomic():
        counts = dict(
            ThrottleHit.objects.filter(key__in=keys, at__gt=now - window)
            .values_list("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        )
        if any(counts.get(key, 0) >= limit for key, limit in limits):
            return False
        ThrottleHit.objects.bulk_create([ThrottleHit(key=key, at=now) for key in keys])
        ThrottleHit.objects.filter(at__lt=now - LONGEST_WINDOW).delete()
    return True
