"""Headers and configuration (issue 16, section 3): a strict Content-Security-Policy
that the markup keeps to, HSTS and HTTPS from the environment, no caching of
private pages, and a health check that tells the public only ok / not ok."""

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

import config.settings
from tests.conftest import signed_in as signed_in_as
from tests.factories import make_ticket, upload

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "203.0.113.7"

REQUIRED_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

# Inline code the policy blocks: <script> without src, on…= handlers, style="".
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def inline_code(html: str) -> list[str]:
    return [
        match.group(0)[:80]
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE, JAVASCRIPT_URL)
        for match in pattern.finditer(html)
    ]


def page_templates():
    """Every template a browser may render (emails are read in mail clients, where
    inline styles are the norm and no CSP applies)."""
    for folder in [ROOT / "templates", *ROOT.glob("ecmp/*/templates")]:
        for path in folder.rglob("*.html"):
            if "emails" not in path.relative_to(folder).parts:
                yield path


def test_no_template_has_inline_script_handler_or_style():
    found = {}
    for path in page_templates():
        # Template tags may use the same words ({% include … style="btn-primary" %}).
        text = re.sub(r"{%.*?%}|{#.*?#}", "", path.read_text(), flags=re.S)
        if problems := inline_code(text):
            found[str(path.relative_to(ROOT))] = problems
    assert found == {}


def test_the_scan_finds_what_it_looks_for():
    for html in (
        "<script>alert(1)</script>",
        '<select onchange="this.form.submit()">',
        '<div class="card" style="max-width: 3rem">',
        '<a href="javascript:alert(1)">',
    ):
        assert inline_code(html), html
    assert not inline_code('<script src="/static/js/ecmp.js" defer></script>')


@pytest.fixture
def pages(alice, agnes, adam):
    ticket = make_ticket(alice)
    return [
        (Client(), reverse("landing")),
        (Client(), reverse("accounts:login")),
        (signed_in_as(alice), reverse("portal:dashboard")),
        (signed_in_as(alice), reverse("portal:ticket-detail", args=[ticket.number])),
        (signed_in_as(alice), reverse("portal:ticket-new")),
        (signed_in_as(agnes), reverse("desk:queue")),
        (signed_in_as(agnes), reverse("desk:ticket-detail", args=[ticket.number])),
        (signed_in_as(adam), "/admin/"),
    ]


def test_every_page_carries_the_strict_policy_and_keeps_to_it(pages):
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        for directive in REQUIRED_DIRECTIVES:
            assert directive in policy, (url, directive)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        # Python-built markup (template tags, widgets) is checked here too.
        assert inline_code(response.content.decode()) == [], url


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_the_language_switch_works_without_an_inline_handler(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "data-submit-on-change" in html
    script = (ROOT / "static" / "js" / "ecmp.js").read_text()
    assert "data-submit-on-change" in script


# --- Cache-Control ------------------------------------------------------------------


def test_pages_for_a_signed_in_user_are_never_stored(pages):
    for client, url in pages:
        response = client.get(url)
        cache_control = response.get("Cache-Control", "")
        if "_auth_user_id" in client.session:
            assert "private" in cache_control and "no-store" in cache_control, url
            assert "public" not in cache_control, url


def test_the_public_landing_page_stays_cacheable(client, db):
    assert "Cache-Control" not in client.get(reverse("landing"))


def test_a_download_for_a_signed_in_user_is_never_stored(alice):
    ticket = make_ticket(alice, files=[upload("notes.txt", b"private notes", "text/plain")])
    attachment = ticket.attachments.get()
    response = signed_in_as(alice).get(
        reverse("portal:attachment-download", args=[ticket.number, attachment.pk])
    )
    assert "no-store" in response["Cache-Control"]


# --- HTTPS settings from the environment --------------------------------------------


@pytest.fixture
def reload_settings(monkeypatch):
    """reload_settings(**environment): the settings module as that environment makes it."""

    def reload(**environment):
        for name in (
            "ECMP_HSTS_SECONDS",
            "ECMP_HSTS_PRELOAD",
            "ECMP_HSTS_INCLUDE_SUBDOMAINS",
            "ECMP_SSL_REDIRECT",
            "ECMP_SECURE_COOKIES",
            "SECURE_COOKIES",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(config.settings)

    yield reload
    monkeypatch.undo()
    importlib.reload(config.settings)


def test_https_settings_are_off_by_default(reload_settings):
    module = reload_settings()
    assert module.SECURE_HSTS_SECONDS == 0
    assert module.SECURE_SSL_REDIRECT is False
    assert module.SESSION_COOKIE_SECURE is False and module.CSRF_COOKIE_SECURE is False


def test_https_settings_come_from_the_environment(reload_settings):
    module = reload_settings(
        ECMP_HSTS_SECONDS="31536000",
        ECMP_HSTS_PRELOAD="1",
        ECMP_SSL_REDIRECT="1",
        ECMP_SECURE_COOKIES="1",
    )
    assert module.SECURE_HSTS_SECONDS == 31536000
    assert module.SECURE_HSTS_PRELOAD is True
    assert module.SECURE_HSTS_INCLUDE_SUBDOMAINS is True
    assert module.SECURE_SSL_REDIRECT is True
    assert module.SESSION_COOKIE_SECURE is True and module.CSRF_COOKIE_SECURE is True


def test_the_older_secure_cookies_name_still_works(reload_settings):
    assert reload_settings(SECURE_COOKIES="1").SESSION_COOKIE_SECURE is True
    assert reload_settings(SECURE_COOKIES="1", ECMP_SECURE_COOKIES="0").CSRF_COOKIE_SECURE is False


def test_with_https_on_plain_http_is_redirected_and_https_gets_hsts(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    response = client.get(reverse("accounts:login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    # A load balancer's probe over plain HTTP is answered.
    assert client.get("/healthz", REMOTE_ADDR=PUBLIC).status_code == 200


# --- /healthz ------------------------------------------------------------------------


def stall_the_queue():
    task = DBTaskResult.objects.create(
        status="READY",
        args_kwargs={},
        priority=0,
        task_path="ecmp.mail.tasks.outbox_sweep",
        queue_name="mail",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )


def test_the_public_gets_only_ok(client, db):
    response = client.get("/healthz", REMOTE_ADDR=PUBLIC)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_public_gets_only_not_ok_when_the_queue_stalls(client, db):
    stall_the_queue()
    response = client.get("/healthz", REMOTE_ADDR=PUBLIC)
    assert response.status_code == 503
    assert response.json() == {"status": "not ok"}


def test_a_forged_forwarded_address_gets_no_details(client, db):
    response = client.get("/healthz", REMOTE_ADDR=PUBLIC, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.json() == {"status": "ok"}


def test_behind_the_proxy_a_request_from_outside_is_not_local(client, db):
    """nginx connects from 127.0.0.1 and always adds X-Forwarded-For."""
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=PUBLIC)
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("address", ("127.0.0.1", "::1"))
def test_a_monitor_on_the_machine_gets_the_details(client, db, address):
    stall_the_queue()
    response = client.get("/healthz", REMOTE_ADDR=address)
    assert response.status_code == 503
    details = response.json()
    assert details["queue"] == "stalled" and details["oldest_task_seconds"] >= 600


def test_an_agent_gets_the_details_from_anywhere(agnes):
    response = signed_in_as(agnes).get("/healthz", REMOTE_ADDR=PUBLIC)
    assert response.json() == {"database": "ok", "queue": "ok", "oldest_task_seconds": 0}


def test_a_customer_gets_only_ok(alice):
    response = signed_in_as(alice).get("/healthz", REMOTE_ADDR=PUBLIC)
    assert response.json() == {"status": "ok"}
