"""The pages' own cost, in one process: no server, no network, CPU time.

    python bench/inprocess.py [--db var/bench/bench.sqlite3] [--requests 60] [--pages a,b]
                              [--profile PAGE] [--statements PAGE]

Reads the database `bench/pages.py` leaves behind (run it first: it seeds 10,000
tickets and the customer's 61 open tickets and 50-message ticket), signs the same
customer and agent in through Django's test client (the agent's session verified
with their authenticator), and times each page: the fastest CPU time of --requests
requests, in ms, and that as a multiple of the trivial page (the customer's bell).
The fastest, not the median: on a machine shared with other work it moves least.
`--profile PAGE` prints cProfile's view of 30 requests; `--statements PAGE` the SQL
of one. Compare two trees in the same minutes (a worktree of the commit before, each
on its own copy of the database), never against figures of another day. The pages'
budget (issue 17) is read through the server, by `bench/pages.py`; this script says
where a page's time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(ROOT / "var" / "bench" / "bench.sqlite3"))
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--pages", default="")
    parser.add_argument("--profile")
    parser.add_argument("--statements")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.db).resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ECMP_VAR_DIR", str(Path(args.db).resolve().parent))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    pages = _pages()
    names = [name for name in args.pages.split(",") if name] or list(pages)
    for name in names:
        client, path = pages[name]
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {answer.status_code}")
    if args.statements:
        _statements(*pages[args.statements])
    elif args.profile:
        _profile(*pages[args.profile])
    else:
        fastest = {name: _fastest(*pages[name], args.requests) for name in names}
        floor = fastest.get("trivial")
        print(
            json.dumps(
                {
                    name: {"ms": ms, "x_trivial": round(ms / floor, 1) if floor else None}
                    for name, ms in fastest.items()
                },
                indent=1,
            )
        )


def _pages() -> dict:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from ecmp.accounts import twofactor
    from ecmp.accounts.models import User
    from ecmp.tickets.models import Ticket

    customer = User.objects.filter(role="customer").order_by("pk")[0]
    agent = User.objects.filter(role="agent").order_by("pk").first()
    big = Ticket.objects.filter(requester=customer, subject="Fifty messages").first()
    if agent is None or big is None:
        raise SystemExit("run bench/pages.py first: it seeds and prepares this database")
    small = Ticket.objects.filter(requester=customer).exclude(pk=big.pk).order_by("-number")[0]
    unarchived = Ticket.objects.filter(archived_at__isnull=True).order_by("-number")
    some = unarchived.values_list("number", flat=True)[100]  # bench/pages.py's
    as_customer, as_agent = Client(), Client()
    as_customer.force_login(customer)
    as_agent.force_login(agent)
    device = twofactor.authenticator_for(agent)
    if device is not None:  # verified, as after the code
        session = as_agent.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return {
        "trivial": (as_customer, "/portal/notifications/bell/"),
        "customer_open_tickets": (as_customer, "/portal/service-desk/"),
        "customer_ticket_5_messages": (as_customer, f"/portal/tickets/{small.number}/"),
        "customer_ticket_50_messages": (as_customer, f"/portal/tickets/{big.number}/"),
        "agent_queue_open": (as_agent, "/desk/tickets/?queue=open&sort=due"),
        "agent_queue_filtered": (
            as_agent,
            "/desk/tickets/?queue=open&priority=3&sort=due&q=printer",
        ),
        "agent_ticket": (as_agent, f"/desk/tickets/{some}/"),
        "agent_ticket_50_messages": (as_agent, f"/desk/tickets/{big.number}/"),
        "agent_home": (as_agent, "/desk/"),
    }


def _fastest(client, path: str, requests: int) -> float:
    best = float("inf")
    for _ in range(requests):
        started = time.process_time()
        client.get(path)
        best = min(best, time.process_time() - started)
    return round(best * 1000, 2)


def _profile(client, path: str) -> None:
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(30):
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(30)


def _statements(client, path: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as statements:
        client.get(path)
    for statement in statements.captured_queries:
        print(statement["sql"])
    print(f"{len(statements.captured_queries)} statements")


if __name__ == "__main__":
    main()
