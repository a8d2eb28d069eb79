"""The support reports' cost: each of the page's reads, then the whole page.

    python bench/reports.py [--tickets 10000] [--runs 20] [--no-seed]

Builds a fresh SQLite database under var/bench/ (or uses DATABASE_URL), seeds it with
`manage.py seed_bench` unless --no-seed (the million tickets on PostgreSQL are seeded
once, beforehand), then, in this process, times each read of the page (the times per
client, agent, category and month in one statement; SLA compliance; the backlog; the
channels) and the whole page through Django's test client (reads and rendering, as
an administrator), for last month, this month, last month for one client, and the
last twelve months. Prints the median and p95 in milliseconds as JSON.
Timings live here, never in the tests.
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
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(tickets: int, seed: bool) -> None:
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        database = ROOT / "var" / "bench" / "reports.sqlite3"
        database.parent.mkdir(parents=True, exist_ok=True)
        if seed:
            database.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    if seed:
        for args in (["migrate", "-v", "0"], ["seed_bench", "--tickets", str(tickets)]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def timed(work: Callable[[], Any], runs: int, around: Callable = nullcontext) -> dict:
    with around():
        work()  # warm: the first run reads the disk and fills the caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with around():
            work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-seed", action="store_true")
    options = parser.parse_args()
    prepare(options.tickets, seed=not options.no_seed)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The page as an administrator sees it once signed in (no second-factor round trip).
    os.environ.setdefault("ECMP_STAFF_2FA", "optional")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from ecmp.accounts.models import Organization, Role, User
    from ecmp.desk.support_report_forms import last_month, this_month
    from ecmp.tickets.models import Ticket
    from ecmp.tickets.reports import ReportPeriod, report_reading, response_times
    from ecmp.tickets.reports_flow import backlog, opened_by_channel, sla_compliance

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic needed: the page's links to static files, without the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    admin, _created = User.objects.get_or_create(
        email="bench-reports-admin@support.bench",
        defaults={"username": "bench-reports-admin", "role": Role.ADMIN, "full_name": "Admin"},
    )
    client = Client()
    client.force_login(admin, backend="ecmp.accounts.backends.LoginOrEmailBackend")
    organization = Organization.objects.order_by("pk").first()
    today = timezone.localdate()
    periods = {
        "last month": ReportPeriod(*last_month()),
        "this month": ReportPeriod(*this_month()),
        "last month, one client": ReportPeriod(*last_month(), organization),
        "twelve months": ReportPeriod(today - timedelta(days=364), today),
    }
    results: dict[str, Any] = {
        "database": connection.vendor,
        "tickets": Ticket.objects.count(),
        "runs": options.runs,
    }
    for name, period in periods.items():
        reads = {
            "times (one statement)": lambda p=period: response_times(p),
            "SLA compliance": lambda p=period: sla_compliance(p),
            "backlog": lambda p=period: backlog(p),
            "channels": lambda p=period: opened_by_channel(p),
        }
        query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if period.organization is not None:
            query["organization"] = str(period.organization.pk)

        def page(query: dict = query) -> None:
            response = client.get(reverse("desk:support-reports"), query)
            assert response.status_code == 200, response.status_code

        # Each read as the page makes it (report_reading: PostgreSQL's settings).
        entry = {label: timed(read, options.runs, report_reading) for label, read in reads.items()}
        entry["page"] = timed(page, options.runs)
        entry["tickets opened"] = sum(row.tickets for row in opened_by_channel(period))
        results[name] = entry
        print(name, json.dumps(entry), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
