"""Page timings against a real server: gunicorn with 2 workers, one client.

    python bench/pages.py [--tickets 10000] [--requests 200]

Builds a fresh SQLite database under var/bench/ (or uses DATABASE_URL), seeds it
with `manage.py seed_bench`, starts gunicorn, signs in as a customer and as an
agent, then times each page and prints JSON: median and p95 in milliseconds,
requests per second. Timings live here, never in the tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )
    return result.stdout if capture else ""


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read()

    def post(self, path: str, data: dict) -> bytes:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.read()

    def sign_in(self, login: str, password: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": login, "password": password})


def timed(action, count: int) -> dict:
    action()  # warm up
    samples = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        action()
        samples.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "requests_per_second": round(count / elapsed, 1),
    }


SETUP = """
from ecmp.accounts.models import User
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
customer = User.objects.filter(role="customer").order_by("pk").first()
agent = User.objects.filter(role="agent").order_by("pk").first()
ticket = services.ticket_create(requester=customer, subject="Fifty messages", description="x")
for n in range(50):
    services.ticket_reply(ticket=ticket, author=agent if n % 2 else customer, body=f"Message {n}")
print(customer.email, agent.email, ticket.number, Ticket.objects.filter(requester=customer).count())
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "ECMP_VAR_DIR": str(var)}
    if "DATABASE_URL" not in os.environ:
        database = var / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
    manage(env, "migrate", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    t0 = time.perf_counter()
    manage(env, "seed_bench", "--tickets", str(args.tickets), "-v", "0")
    seed_seconds = round(time.perf_counter() - t0, 1)
    customer, agent, big, count = manage(env, "shell", "-v", "0", "-c", SETUP, capture=True).split()

    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        user = Client(base)
        user.sign_in(customer, "Bench-pass-1!")
        desk = Client(base)
        desk.sign_in(agent, "Bench-pass-1!")
        some_number = re.search(rb"/desk/tickets/(\d+)/", desk.get("/desk/tickets/?queue=open"))
        n = args.requests
        results = {
            "customer_open_tickets": timed(lambda: user.get("/portal/service-desk/"), n),
            "customer_ticket_50_messages": timed(lambda: user.get(f"/portal/tickets/{big}/"), n),
            "agent_queue_filtered": timed(
                lambda: desk.get("/desk/tickets/?queue=open&priority=3&sort=due&q=printer"), n
            ),
            "agent_ticket_jump": timed(
                lambda: desk.get(f"/desk/tickets/jump/?number={some_number.group(1).decode()}"), n
            ),
            "ticket_creation_form": timed(
                lambda: user.post(
                    "/portal/tickets/new/",
                    {
                        "subject": "Bench creation",
                        "description": "Created by the benchmark",
                        "priority": "2",
                    },
                ),
                n,
            ),
            "reply": timed(
                lambda: user.post(f"/portal/tickets/{big}/reply/", {"body": "One more reply"}), n
            ),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": env["DATABASE_URL"].split(":")[0],
                "tickets": args.tickets,
                "customer_tickets": int(count),
                "seed_seconds": seed_seconds,
                "requests_per_page": args.requests,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
