"""The desk's search: its reads, then the whole page, for realistic queries.

    python bench/search.py [--tickets 10000] [--runs 30] [--no-seed]

Builds a fresh SQLite database under var/bench/ (or uses DATABASE_URL), seeds it with
`manage.py seed_bench` unless --no-seed (the million tickets on PostgreSQL are seeded
once, beforehand), then, in this process, times for each query: the search's reads
(`desk_search`: people, organizations, tickets), the search page through Django's
test client (reads and rendering, as an agent; an exact number is the redirect to
the ticket), the "more tickets" page (the 200 most recent matches, by page) and the
queue's search box (the open queue's first page). Prints the median and p95 in
milliseconds as JSON, of the wall time and of this process's CPU time. Timings live
here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(tickets: int, seed: bool) -> None:
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        database = ROOT / "var" / "bench" / "search.sqlite3"
        database.parent.mkdir(parents=True, exist_ok=True)
        if seed:
            database.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    if seed:
        for args in (["migrate", "-v", "0"], ["seed_bench", "--tickets", str(tickets)]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def timed(work: Callable[[], Any], runs: int) -> dict[str, float]:
    """Median and p95 of the wall time, and of this process's CPU time: on a machine
    whose cores are shared, the CPU time is what the work costs here whatever the
    others run (SQLite: every read; PostgreSQL: all but the server's share)."""
    work()  # warm: the first run reads the disk and fills the caches
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()
    p95 = max(0, round(0.95 * len(times)) - 1)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[p95], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(cpu[p95], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-seed", action="store_true")
    options = parser.parse_args()
    prepare(options.tickets, seed=not options.no_seed)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ECMP_STAFF_2FA", "optional")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from ecmp.accounts.models import User
    from ecmp.tickets.desk_search import desk_search
    from ecmp.tickets.models import Ticket
    from ecmp.tickets.selectors import ticket_list_for_desk

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    agent = User.objects.filter(role="agent", email__startswith="bench-agent").first()
    assert agent is not None, "seed the database first (manage.py seed_bench)"
    client = Client()
    client.force_login(agent, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    last = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
    middle_user = User.objects.filter(email__startswith="bench2500@").first()
    queries = {
        "a number": str((last or 1000) - 12_345 if (last or 0) > 20_000 else (last or 1000) - 5),
        "a name": middle_user.full_name if middle_user else "Bench User 2500",
        "a misspelt name": "Bnch Usr 2500",
        "an email": "bench2500@client",
        "an organization": "Bench client 0042",
        "a word": "printer",
        "two words": "printer slow",
        "a rare word": "antivirus blank",
        "a French word": "imprimantes",
    }
    results: dict[str, Any] = {
        "database": connection.vendor,
        "tickets": Ticket.objects.count(),
        "runs": options.runs,
    }
    for name, text in queries.items():

        def page(text: str = text) -> None:
            response = client.get(reverse("desk:search"), {"q": text})
            assert response.status_code in (200, 302), response.status_code

        def more(text: str = text) -> None:
            response = client.get(reverse("desk:search"), {"q": text, "group": "tickets"})
            assert response.status_code in (200, 302), response.status_code

        def queue(text: str = text) -> None:
            list(ticket_list_for_desk(agent, queue="open", text=text)[:25])

        found = desk_search(agent, text)
        entry: dict[str, Any] = {
            "query": text,
            "found": {
                "tickets": len(found.tickets),
                "people": len(found.people),
                "organizations": len(found.organizations),
            },
            "reads": timed(lambda text=text: desk_search(agent, text), options.runs),
            "page": timed(page, options.runs),
            "more tickets page": timed(more, options.runs),
            "queue search": timed(queue, options.runs),
        }
        results[name] = entry
        print(name, json.dumps(entry), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
