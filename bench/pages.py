"""Page timings against a real server: gunicorn with 2 workers, then a load.

    python bench/pages.py [--tickets 10000] [--requests 200] [--clients 4] [--no-seed]

Builds a fresh SQLite database under var/bench/ (or uses DATABASE_URL), seeds it
with `manage.py seed_bench` (unless --no-seed: a database seeded before, e.g. the
million tickets on PostgreSQL), starts gunicorn, signs in as a customer and as an
agent, then measures each page twice: one client in a loop (latency: median and
p95 in milliseconds), and --clients clients at once (throughput: requests per
second, with their median and p95). Python's threads share the two cores with
the server, so when wrk is installed (Debian's package) the creation form's POST
is also sent by wrk for 10 s, and the tickets it made are counted. Prints JSON.
Timings live here, never in the tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
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


def count_tickets(env: dict) -> int:
    script = "from ecmp.tickets.models import Ticket; print(Ticket.objects.count())"
    return int(manage(env, "shell", "-v", "0", "-c", script, capture=True))


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

    def get(self, path: str, follow: bool = True) -> bytes:
        if follow:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.read()
        try:
            self.no_redirect.open(self.base + path, timeout=30).close()
        except urllib.error.HTTPError as answer:
            if answer.code == 302:
                return b""
            raise
        raise RuntimeError(f"{path}: no redirect")

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
            self.forget_messages()
            return b""
        raise RuntimeError("the form was refused: no redirect")

    def forget_messages(self) -> None:
        """What the page after the redirect does: it shows the "Ticket created" message
        and so clears it. Without this, every POST alone would carry all the messages
        of the POSTs before it in its cookie (wrk's too), as no browser does."""
        for cookie in list(self.jar):
            if cookie.name == "messages":
                self.jar.clear(cookie.domain, cookie.path, cookie.name)

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


def beside_trivial(action, trivial, count: int) -> dict:
    """The page and the trivial page in turn, one request each, `count` times: the
    page's median as a multiple of the trivial page's median over the same seconds.
    Measured apart, the trivial page's median moved by half between two runs on this
    machine (2.0 to 3.3 ms), and every multiple with it."""
    action()
    trivial()
    pages, floors = [], []
    for _ in range(count):
        for run, samples in ((action, pages), (trivial, floors)):
            t0 = time.perf_counter()
            run()
            samples.append((time.perf_counter() - t0) * 1000)
    page, floor = statistics.median(pages), statistics.median(floors)
    return {
        "median_ms": round(page, 2),
        "trivial_median_ms": round(floor, 2),
        "x_trivial": round(page / floor, 2),
    }


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
def message(n):
    # As people write: sentences (each "." makes urlize look at the word), a link in
    # one message of five, an address in one of seven. Bodies without them skip
    # urlize altogether (tickets/presentation.py), which would flatter the thread.
    body = (
        "Hello,\\n\\nThank you for your message. We checked the printer again today "
        f"and the error {n} is still there."
    )
    if n % 5 == 0:
        body += f" The guide is at https://support.example.com/kb/article-{n}."
    if n % 7 == 0:
        body += " You can also write to helpdesk@example.com."
    return body + "\\n\\nBest regards,\\nThe support team"
from ecmp.accounts import twofactor
from ecmp.accounts.models import User
BENCH_2FA_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCHBE"
from ecmp.tickets import services
from ecmp.tickets.models import Ticket
customers = User.objects.filter(role="customer").order_by("pk")
# The customer whose pages are read, and another who writes (creations, replies):
# on a database used again (--no-seed), the pages read stay the same size.
customer, writer = customers[0], customers[1]
agent = User.objects.filter(role="agent").order_by("pk").first()
big = Ticket.objects.filter(requester=customer, subject="Fifty messages").first()
if big is None:
    # A busy client's list: more open tickets than a page holds.
    for n in range(60):
        services.ticket_create(requester=customer, subject=f"Printer {n} offline", description="x")
    big = services.ticket_create(requester=customer, subject="Fifty messages", description="x")
    for n in range(50):
        services.ticket_reply(ticket=big, author=agent if n % 2 else customer, body=message(n))
replied = services.ticket_create(requester=writer, subject="Replies", description="x")
for n in range(50):
    services.ticket_reply(ticket=replied, author=agent if n % 2 else writer, body=f"Message {n}")
unarchived = Ticket.objects.filter(archived_at__isnull=True).order_by("-number")
some = unarchived.values_list("number", flat=True)[100]
mine = Ticket.objects.filter(requester=customer).count()
# Staff sign in with a second factor (ECMP_STAFF_2FA=required): the agent's sessions
# each give one backup code, and are then verified as a real agent's are.
twofactor.enrol_demo_authenticator(user=agent, secret=BENCH_2FA_SECRET)
codes = ",".join(twofactor.backup_codes_create(user=agent))
print(customer.email, writer.email, agent.email, big.number, replied.number, some, mine, codes)
"""

# The yardstick: the header's bell, signed in as the customer (the session, the user,
# the unread count, and a template of five lines). Every page is also reported as a
# multiple of it ("x_trivial"), which is what the pages' budget is written in: a
# multiple of the server's floor stays meaningful on a faster or slower machine.
TRIVIAL = "trivial_bell"
PAGES = {
    TRIVIAL: ("customer", "/portal/notifications/bell/"),
    "customer_open_tickets": ("customer", "/portal/service-desk/"),
    "customer_ticket_50_messages": ("customer", "/portal/tickets/{big}/"),
    "agent_queue_open": ("agent", "/desk/tickets/?queue=open&sort=due"),
    "agent_queue_filtered": ("agent", "/desk/tickets/?queue=open&priority=3&sort=due&q=printer"),
    "agent_ticket": ("agent", "/desk/tickets/{some}/"),
    "agent_ticket_50_messages": ("agent", "/desk/tickets/{big}/"),
    # The header's box given a ticket number (what an agent types with a customer on
    # the phone): its answer alone, the redirect to the ticket, is a page like any
    # other; the ticket page it leads to is `agent_ticket` above.
    "agent_ticket_jump": ("agent", "/desk/search/?q={some}"),
    # Both requests together, as the browser makes them, for the record: twice a
    # page's budget, as two pages.
    "agent_ticket_jump_and_page": ("agent", "/desk/search/?q={some}"),
}
# The pages measured without following their redirect.
REDIRECTS = {"agent_ticket_jump"}
NEW_TICKET = {
    "subject": "Bench creation",
    "description": "Created by the benchmark",
    "priority": "2",
}


WRK_SCRIPT = """wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookies}"
wrk.headers["Referer"] = "{referer}"
"""


def wrk_posts(client: Client, path: str, data: dict, connections: int, seconds: int) -> dict:
    """The form's POST sent by wrk (C, a few percent of a core) rather than by Python
    threads that take the server's cores: the server's own throughput."""
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": client.csrf()})
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.jar)
    script = ROOT / "var" / "bench" / "post.lua"
    script.write_text(WRK_SCRIPT.format(body=body, cookies=cookies, referer=client.base + path))
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, client.base + path], capture_output=True, text=True, check=True
    ).stdout
    lines = [line.split() for line in out.splitlines()]
    latency = {words[0]: words[1] for words in lines if len(words) == 2 and words[0][-1] == "%"}
    refused = [int(words[-1]) for words in lines if words[:3] == ["Non-2xx", "or", "3xx"]]
    return {
        "requests": next(int(words[0]) for words in lines if words[1:3] == ["requests", "in"]),
        "refused": refused[0] if refused else 0,
        "requests_per_second": next(float(w[1]) for w in lines if w[:1] == ["Requests/sec:"]),
        "median_ms": _milliseconds(latency["50%"]),
        "p99_ms": _milliseconds(latency["99%"]),
        "connections": connections,
    }


def _milliseconds(value: str) -> float:
    """wrk's latencies: 812.00us, 9.76ms, 1.02s."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return round(float(value[: -len(unit)]) * factor, 2)
    raise ValueError(value)


def add_multiples_of_trivial(results: dict) -> None:
    """Each page's one-client median as a multiple of the trivial page's
    (`x_trivial`). The pages' budget reads `beside_trivial`'s multiple: both medians
    over the same seconds."""
    floor = results[TRIVIAL]["one_client"]["median_ms"]
    for result in results.values():
        if "one_client" in result:
            result["x_trivial"] = round(result["one_client"]["median_ms"] / floor, 2)


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
    customer, writer, agent, big, replied, some, count, codes = out
    backup_codes = codes.split(",")

    server, base = start_server(env)
    try:
        people = {"customer": (customer, []), "writer": (writer, []), "agent": (agent, [])}
        for login, sessions in people.values():
            for _ in range(args.clients):
                client = Client(base)
                client.sign_in(login, "Bench-pass-1!")
                if login == agent:
                    page = client.post("/accounts/2fa/verify/", {"code": backup_codes.pop()})
                    if b"one-time-code" in page:  # the verify form again: not verified
                        raise RuntimeError("the agent's backup code was refused")
                sessions.append(client)
        n, results = args.requests, {}
        bell = people["customer"][1][-1]  # a session of its own: the yardstick
        for name, (who, path) in PAGES.items():
            path = path.format(big=big, some=some)
            sessions = people[who][1]
            follow = name not in REDIRECTS
            results[name] = {
                "one_client": timed(lambda c=sessions[0], p=path, f=follow: c.get(p, f), n),
                "loaded": loaded([lambda c=c, p=path, f=follow: c.get(p, f) for c in sessions], n),
                "beside_trivial": beside_trivial(
                    lambda c=sessions[0], p=path, f=follow: c.get(p, f),
                    lambda: bell.get(PAGES[TRIVIAL][1]),
                    n,
                ),
            }
        customers = people["writer"][1]
        create = "/portal/tickets/new/"
        reply = f"/portal/tickets/{replied}/reply/"
        # Creation through the form: the POST alone (the redirect is not followed),
        # then POST + redirect + the new ticket's page as a person sees it.
        results["ticket_creation_post"] = {
            "one_client": timed(lambda: customers[0].post(create, NEW_TICKET, follow=False), n),
            "loaded": loaded(
                [lambda c=c: c.post(create, NEW_TICKET, follow=False) for c in customers], n
            ),
        }
        if shutil.which("wrk"):
            before = count_tickets(env)
            results["ticket_creation_post_wrk"] = wrk_posts(
                customers[0], create, NEW_TICKET, connections=args.clients, seconds=10
            )
            results["ticket_creation_post_wrk"]["tickets_created"] = count_tickets(env) - before
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
    add_multiples_of_trivial(results)
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
