"""Page timings against a real server: gunicorn with 2 workers, then a load.

    python bench/pages.py [--tickets 10000] [--requests 200] [--clients 4] [--no-seed]

Builds a fresh SQLite database under var/bench/ (or uses DATABASE_URL), seeds it
with `manage.py seed_bench` (unless --no-seed: a database seeded before, e.g. the
million tickets on PostgreSQL), starts gunicorn, signs in as a customer and as an
agent, then measures each page twice: one client in a loop (latency: median and
p95 in milliseconds), and --clients clients at once (throughput: requests per
second, with their median and p95). Prints JSON. Timings live here, never in
the tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 comes back as an HTTPError, caught below


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies)
        self.no_redirect = urllib.request.build_opener(cookies, NoRedirect)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read()

    def post(self, path: str, data: dict, follow: bool = True) -> bytes:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, body, headers={"Referer": self.base + path}
        )
        if follow:
            with self.opener.open(request, timeout=30) as response:
                return response.read()
        try:
            self.no_redirect.open(request, timeout=30).close()
        except urllib.error.HTTPError as answer:
            if answer.code != 302:
                raise
            return b""
        raise RuntimeError("the form was refused: no redirect")

    def sign_in(self, login: str, password: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": login, "password": password})


def summary(samples: list[float], elapsed: float) -> dict:
    samples = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "requests_per_second": round(len(samples) / elapsed, 1),
    }


def timed(action, count: int) -> dict:
    """One client, one request after the other: the latency of the page."""
    action()  # warm up
    samples = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        action()
        samples.append((time.perf_counter() - t0) * 1000)
    return summary(samples, time.perf_counter() - started)


def loaded(actions: list, count: int) -> dict:
    """Several clients at once (a thread and a session each): the throughput."""
    samples: list[float] = []
    errors: list[Exception] = []

    def client(action) -> None:
        for _ in range(count // len(actions)):
            t0 = time.perf_counter()
            try:
                action()
            except Exception as error:  # counted and reported, never hidden
                errors.append(error)
            samples.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client, args=(action,)) for action in actions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = summary(samples, time.perf_counter() - started)
    result.update(clients=len(actions), errors=len(errors))
    return result


SETUP = """
from ecmp.accounts.models import User
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
customer = User.objects.filter(role="customer").order_by("pk").first()
agent = User.objects.filter(role="agent").order_by("pk").first()
# A busy client's list: more open tickets than a page holds.
for n in range(60):
    services.ticket_create(requester=customer, subject=f"Printer {n} is offline", description="x")
ticket = services.ticket_create(requester=customer, subject="Fifty messages", description="x")
for n in range(50):
    services.ticket_reply(ticket=ticket, author=agent if n % 2 else customer, body=f"Message {n}")
unarchived = Ticket.objects.filter(archived_at__isnull=True).order_by("-number")
some = unarchived.values_list("number", flat=True)[100]
mine = Ticket.objects.filter(requester=customer).count()
print(customer.email, agent.email, ticket.number, some, mine)
"""

PAGES = {
    "customer_open_tickets": ("customer", "/portal/service-desk/"),
    "customer_ticket_50_messages": ("customer", "/portal/tickets/{big}/"),
    "agent_queue_open": ("agent", "/desk/tickets/?queue=open&sort=due"),
    "agent_queue_filtered": ("agent", "/desk/tickets/?queue=open&priority=3&sort=due&q=printer"),
    "agent_ticket_jump": ("agent", "/desk/tickets/jump/?number={some}"),
}
NEW_TICKET = {
    "subject": "Bench creation",
    "description": "Created by the benchmark",
    "priority": "2",
}


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [PYTHON, "-m", "gunicorn", "config.wsgi:application", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (503 while tasks wait: no worker runs during the benchmark)
        except OSError:
            time.sleep(0.2)
    return server, base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--no-seed", action="store_true", help="use the data already there")
    args = parser.parse_args()

    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "ECMP_VAR_DIR": str(var)}
    if "DATABASE_URL" not in os.environ:
        database = var / "bench.sqlite3"
        if not args.no_seed:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
    manage(env, "migrate", "-v", "0")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    seed_seconds = None
    if not args.no_seed:
        t0 = time.perf_counter()
        manage(env, "seed_bench", "--tickets", str(args.tickets), "-v", "0", capture=True)
        seed_seconds = round(time.perf_counter() - t0, 1)
    out = manage(env, "shell", "-v", "0", "-c", SETUP, capture=True).split()
    customer, agent, big, some, count = out

    server, base = start_server(env)
    try:
        people = {"customer": (customer, []), "agent": (agent, [])}
        for login, sessions in people.values():
            for _ in range(args.clients):
                client = Client(base)
                client.sign_in(login, "Bench-pass-1!")
                sessions.append(client)
        n, results = args.requests, {}
        for name, (who, path) in PAGES.items():
            path = path.format(big=big, some=some)
            sessions = people[who][1]
            results[name] = {
                "one_client": timed(lambda c=sessions[0], p=path: c.get(p), n),
                "loaded": loaded([lambda c=c, p=path: c.get(p) for c in sessions], n),
            }
        customers = people["customer"][1]
        create = "/portal/tickets/new/"
        reply = f"/portal/tickets/{big}/reply/"
        # Creation through the form: the POST alone (the redirect is not followed),
        # then POST + redirect + the new ticket's page as a person sees it.
        results["ticket_creation_post"] = {
            "one_client": timed(lambda: customers[0].post(create, NEW_TICKET, follow=False), n),
            "loaded": loaded(
                [lambda c=c: c.post(create, NEW_TICKET, follow=False) for c in customers], n
            ),
        }
        results["ticket_creation_with_page"] = {
            "one_client": timed(lambda: customers[0].post(create, NEW_TICKET), n),
        }
        # The reply: POST + redirect + the ticket page (which grows by one message
        # with each request: 50 at the start, 50 + n at the end), then the POST alone.
        results["reply_with_page"] = {
            "one_client": timed(lambda: customers[0].post(reply, {"body": "One more reply"}), n),
        }
        results["reply_post"] = {
            "one_client": timed(
                lambda: customers[0].post(reply, {"body": "One more"}, follow=False), n
            ),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(
        json.dumps(
            {
                "database": env["DATABASE_URL"].split(":")[0],
                "tickets": args.tickets if seed_seconds is not None else "as seeded before",
                "customer_tickets": int(count),
                "seed_seconds": seed_seconds,
                "requests_per_page": n,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
