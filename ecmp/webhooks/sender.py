"""One signed POST of a delivery, to the address the guard checked (guard.py).

urllib3 (under requests) is used directly: its connection pools take the address to
connect to apart from the host name the request and TLS (SNI, certificate) are for,
which is what pinning the checked address needs; it follows no redirect here.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import urllib3
from django.conf import settings
from standardwebhooks import Webhook

from ecmp.webhooks.guard import GuardRefusal, Target, target_resolve

# What the log keeps of a response body (text, for the admin's eyes).
EXCERPT_BYTES = 2048
USER_AGENT = "ECMP-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: a 2xx is `ok`; anything else is retried."""

    status: int | None = None
    ms: int | None = None
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def body_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(secret: str, msg_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def _pool(target: Target, timeout: float) -> urllib3.HTTPConnectionPool:
    options: dict[str, Any] = {
        "timeout": urllib3.Timeout(total=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


def _text(data: bytes) -> str:
    # PostgreSQL's text holds no NUL.
    return data.decode("utf-8", errors="replace").replace("\x00", "")


def webhook_post(*, url: str, secret: str, msg_id: str, payload: dict[str, Any]) -> Outcome:
    """Send one attempt; never raises (every failure is an Outcome with its error)."""
    try:
        target = target_resolve(url)
    except GuardRefusal as refusal:
        return Outcome(error=str(refusal))
    body = body_bytes(payload)
    at = datetime.now().astimezone()
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(secret, msg_id, at, body),
    }
    started = time.monotonic()
    pool = _pool(target, float(settings.ECMP_WEBHOOK_TIMEOUT))
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            excerpt = _text(response.read(EXCERPT_BYTES, decode_content=True))
        finally:
            response.release_conn()
    except Exception as failure:  # timeouts, refused connections, TLS: retried later
        ms = int((time.monotonic() - started) * 1000)
        return Outcome(ms=ms, error=f"{type(failure).__name__}: {failure}"[:500])
    finally:
        pool.close()
    ms = int((time.monotonic() - started) * 1000)
    error = ""
    if 300 <= response.status < 400:
        error = f"Redirect not followed ({response.headers.get('Location', '')})"[:500]
    elif not 200 <= response.status < 300:
        error = f"HTTP {response.status}"
    return Outcome(status=response.status, ms=ms, excerpt=excerpt, error=error)
