"""The embedded run: web server, worker, scheduler and mail listener, stopped together.

`make run` ends here. Ctrl-C (SIGINT) or SIGTERM stops the four children and
waits for them; if one dies, the others are stopped too, so nothing is left
running half-way. One exception: a mail listener that cannot open its address
(another program holds the port) exits with EX_UNAVAILABLE after saying which
setting to change, and the site keeps running without it: mail into the desk is
optional, the site is not.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ecmp.core.env import make_private


def web_address_refusal(host: str, port: int) -> str | None:
    """What to change when host:port cannot be listened on (another program holds
    it), or None when the web server can have it. The same bind as gunicorn's."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        return (
            f"The web server cannot listen on {host}:{port}: {error.strerror or error}. "
            f"Another program holds the port: set PORT to a free one (e.g. make run "
            f"PORT={port + 1}). The mail listener's address is set by ECMP_MAIL_LISTENER "
            f"(now {settings.ECMP_MAIL_LISTENER})."
        )
    return None


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the task worker, in one process group."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        refusal = web_address_refusal(host, port)
        if refusal:
            # gunicorn would stop at once and take the worker and the rest with it:
            # say which setting moves the site instead (EX_UNAVAILABLE, as the listener).
            self.stderr.write(refusal)
            sys.exit(os.EX_UNAVAILABLE)
        # New files are private already; a var/ from an older version is closed here.
        make_private(Path(settings.VAR_DIR), public=Path(settings.STATIC_ROOT))
        python = sys.executable
        children = {
            "web": subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
                [
                    python,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "10",
                ]
            ),
            "worker": subprocess.Popen(  # noqa: S603
                [
                    python,
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--no-reload",
                    "--interval",
                    "0.5",
                ],
                cwd=settings.BASE_DIR,
            ),
            "scheduler": subprocess.Popen(  # noqa: S603
                [python, "manage.py", "run_periodic"], cwd=settings.BASE_DIR
            ),
            "mail": subprocess.Popen(  # noqa: S603
                [python, "manage.py", "mail_listener"], cwd=settings.BASE_DIR
            ),
        }
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"ECMP is running on http://{host}:{port}/ — press Ctrl-C to stop.")

        exit_code = 0
        while not stopping:
            for name, child in list(children.items()):
                if name == "mail" and child.poll() == os.EX_UNAVAILABLE:
                    del children[name]
                    self.stderr.write(
                        "The site keeps running without the mail listener (see above)."
                    )
                elif child.poll() is not None:
                    self.stderr.write(f"The {name} process stopped (exit {child.returncode}).")
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.3)

        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
        if exit_code:
            sys.exit(exit_code)
