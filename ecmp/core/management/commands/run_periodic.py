"""The scheduler: enqueues each periodic job once per time slot, for the worker.

Each app registers its jobs and their periods (SLA checks, archiving, mail sweeps
and polling…) with ecmp.core.periodic from its AppConfig.ready(). Safe in several
copies: a slot is a unique row written with its enqueue, so two schedulers never
run it twice.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from ecmp.core.periodic import periodic_run_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs for the worker; safe to run in several copies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, once: bool, tick: float, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while True:
            started = periodic_run_due(timezone.now())
            if started and options["verbosity"] > 1:
                self.stdout.write("enqueued: " + ", ".join(started))
            if once or stopping:
                return
            close_old_connections()
            deadline = time.monotonic() + tick
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
            if stopping:
                return
