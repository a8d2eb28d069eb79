"""Production shape: PostgreSQL, tasks on Redis (django-tasks-rq), two web processes and
two workers sharing them. Each outgoing email is sent once; each inbound message is
processed once. Needs the PostgreSQL and Redis servers (CI has both)."""

import mailbox
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PG = os.environ.get("ECMP_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("ECMP_TEST_REDIS", "redis://127.0.0.1:6379/15")
PASSWORD = "Scale-out-42!"


def reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def hostport(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


pytestmark = pytest.mark.skipif(
    not (reachable(*hostport(PG)) and reachable(*hostport(REDIS))),
    reason=f"needs PostgreSQL at {PG} and Redis at {REDIS} (ECMP_TEST_POSTGRES, ECMP_TEST_REDIS)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browserless:
    """A client with cookies and CSRF, enough to use the site like a browser."""

    def __init__(self, base):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, data, base=None):
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        url = (base or self.base) + path
        request = urllib.request.Request(url, body, headers={"Referer": url})
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()


SETUP = """
from ecmp.accounts.models import Organization, User
org = Organization.objects.create(name="Scale client")
User.objects.create_user("customer@scale.test", "{password}", full_name="Cora Customer", organization=org)
User.objects.create_user("agent@scale.test", "{password}", full_name="Andy Agent", role="agent")
for n in range(10):
    User.objects.create_user(f"sender{{n}}@scale.test", "{password}", full_name=f"S{{n}}", organization=org)
"""

COUNT_SQL = """
from ecmp.mail.models import InboundEmail
from ecmp.tickets.models import Ticket
from ecmp.mail.models import OutboundEmail
print(InboundEmail.objects.filter(status="processed").count(),
      Ticket.objects.filter(channel="email").count(),
      OutboundEmail.objects.filter(status="sent").count(),
      OutboundEmail.objects.count())
"""


def test_two_webs_and_two_workers_on_postgresql_and_redis(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    name = f"ecmp_scale_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["createdb", "-h", hostport(PG)[0], "-p", str(hostport(PG)[1]), "-U", "postgres", name],
        check=True,
    )
    smtp_port = free_port()
    smtp = Controller(Mailbox(str(tmp_path / "box")), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{PG}/{name}",
        "ECMP_TASKS_BACKEND": "redis",
        "REDIS_URL": REDIS,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "ECMP_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
        # About processes, not sign-in: the agent acts with the password alone.
        "ECMP_STAFF_2FA": "optional",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    processes = []
    try:
        subprocess.run(
            [sys.executable, "-c", f"import redis; redis.Redis.from_url('{REDIS}').flushdb()"],
            check=True,
        )
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run(
            [*manage, "collectstatic", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        subprocess.run(
            [*manage, "shell", "-v", "0", "-c", SETUP.format(password=PASSWORD)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "config.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                    cwd=ROOT,
                )
            )
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [*manage, "rqworker", "--with-scheduler", "mail", "default"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        webs = [f"http://127.0.0.1:{port}" for port in ports]
        for web in webs:
            for _ in range(100):
                if reachable("127.0.0.1", int(web.rsplit(":", 1)[1])):
                    break
                time.sleep(0.2)

        # A ticket made through one web process is seen through the other.
        customer = Browserless(webs[0])
        customer.get("/accounts/login/")
        customer.post("/accounts/login/", {"username": "customer@scale.test", "password": PASSWORD})
        url, _html = customer.post(
            "/portal/tickets/new/",
            {"subject": "Seen everywhere", "description": "x", "priority": "2"},
        )
        number = re.search(r"/portal/tickets/(\d+)/", url).group(1)
        other = Browserless(webs[1])  # the same session, through the other process
        other.jar = customer.jar
        other.opener = customer.opener
        _url, html = other.get(f"/portal/tickets/{number}/")
        assert "Seen everywhere" in html

        # The agent accepts through the second web process: one email, sent once.
        agent = Browserless(webs[1])
        agent.get("/accounts/login/")
        agent.post("/accounts/login/", {"username": "agent@scale.test", "password": PASSWORD})
        agent.post(f"/desk/tickets/{number}/do/accept/", {})

        # Twenty messages arrive; two workers process them, each once.
        for n in range(20):
            raw = (
                f"From: sender{n % 10}@scale.test\r\nTo: support@ecmp.localhost\r\n"
                f"Subject: Mail {n}\r\nMessage-ID: <scale{n}@x>\r\n\r\nBody {n}\r\n"
            ).encode()
            subprocess.run([*manage, "mailgate"], input=raw, env=env, cwd=ROOT, check=True)

        deadline = time.monotonic() + 90
        counts = None
        while time.monotonic() < deadline:
            counts = subprocess.run(
                [*manage, "shell", "-v", "0", "-c", COUNT_SQL],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            processed, email_tickets, sent, total = map(int, counts)
            if processed == 20 and sent == total and total > 0:
                break
            time.sleep(1)
        processed, email_tickets, sent, total = map(int, counts)
        assert processed == 20 and email_tickets == 20
        assert sent == total
        time.sleep(2)  # give a duplicate sending the time to show up
        received = list(mailbox.Maildir(str(tmp_path / "box"), create=False))
        ids = [message["Message-ID"] for message in received]
        assert len(ids) == len(set(ids)) == total
        accepted = [m for m in received if "taken into account" in (m["Subject"] or "")]
        assert len(accepted) == 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        subprocess.run(
            [
                "dropdb",
                "-h",
                hostport(PG)[0],
                "-p",
                str(hostport(PG)[1]),
                "-U",
                "postgres",
                "--if-exists",
                name,
            ],
            check=False,
        )
