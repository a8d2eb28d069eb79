"""The whole stack for browser journeys: a live server, a real task worker (a thread
running django-tasks' database worker), a real SMTP server, and Debian's Chromium
driven by Playwright. Skipped, with the reason, when Chromium or Playwright is missing."""

import os
import re
import threading
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server with sync Playwright

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/lib/chromium/chromium")
SCREENSHOTS = os.environ.get("ECMP_SCREENSHOTS")

try:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
except ImportError:  # pragma: no cover - reported as a skip
    sync_playwright = None

pytestmark = pytest.mark.skipif(
    sync_playwright is None or not Path(CHROMIUM).exists(),
    reason=f"browser tests need Playwright and Debian's Chromium at {CHROMIUM} (.ci/run installs them)",
)

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
}


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None or not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Playwright and Debian's Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


class Stack:
    """What a journey needs: the site's address, the mailbox, a way to wait for work."""

    def __init__(self, url, maildir):
        self.url = url
        self.maildir = maildir

    def messages(self):
        import mailbox

        if not Path(self.maildir).exists():
            return []
        return sorted(
            mailbox.Maildir(str(self.maildir), create=False), key=lambda m: m["Date"] or ""
        )

    def wait_for_mail(self, predicate, timeout=20.0):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages() if predicate(m)]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError("the expected email never arrived")

    @staticmethod
    def text_of(message):
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        return ""

    @staticmethod
    def link_in(message, path_part):
        links = re.findall(r"https?://\S+", Stack.text_of(message))
        return next(link for link in links if path_part in link)

    def shot(self, page, name):
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def stack(live_server, settings, tmp_path, transactional_db):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox
    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    from tests.mailtools import free_port

    port = free_port()
    maildir = tmp_path / "maildir"
    smtp = Controller(Mailbox(str(maildir)), hostname="127.0.0.1", port=port)
    smtp.start()
    settings.TASKS = DB_TASKS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.ECMP_BASE_URL = live_server.url
    worker = Worker(
        queue_names=["*"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def run():
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield Stack(live_server.url, maildir)
    worker.running = False
    thread.join(timeout=10)
    smtp.stop()


# Every page reports what the Content-Security-Policy blocked, to a binding that
# outlives navigations (an init script runs before the page's own scripts).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.ecmpCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}` +
      ` at ${event.documentURI} (${event.sourceFile || ""}:${event.lineNumber})`
  );
});
"""
CSP_CONSOLE_WORDS = ("Content Security Policy", "Refused to")


@pytest.fixture
def new_page(browser, stack):
    """new_page(language): a page in a fresh browser context, with the site's
    Content-Security-Policy enforced; the test fails if anything was blocked."""
    contexts = []
    violations = []

    def on_console(message):
        if any(words in message.text for words in CSP_CONSOLE_WORDS):
            violations.append(f"console: {message.text}")

    def make(language="en"):
        context = browser.new_context(
            viewport={"width": 1280, "height": 860},
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        context.set_default_timeout(15000)
        context.expose_binding(
            "ecmpCspViolation", lambda source, text: violations.append(f"event: {text}")
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", on_console)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    assert violations == [], "the Content-Security-Policy blocked something"


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page):
    """Serious or critical accessibility problems axe-core finds on the page.

    axe is evaluated through the DevTools protocol, to which the page's policy
    does not apply; a <script> tag (add_script_tag) is inline code the policy
    rightly blocks, and the site's policy is not weakened for a test.
    """
    page.evaluate(AXE.read_text() + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe():
    return axe_violations
