"""Ticket numbers: unique and consecutive even when created at the same moment."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from ecmp.tickets.models import Ticket
from tests.factories import make_ticket

ROOT = Path(settings.BASE_DIR)


@pytest.mark.django_db(transaction=True)
def test_threads_creating_tickets_at_once_get_unique_consecutive_numbers(alice, bob):
    errors = []
    barrier = threading.Barrier(6)

    def create(user, count):
        try:
            barrier.wait()
            for _ in range(count):
                make_ticket(user, subject="Concurrent")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(who, 10)) for who in [alice, bob] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1001, 1061))


CREATE_SCRIPT = """
from ecmp.accounts.models import User
from ecmp.tickets.services import ticket_create
user = User.objects.get(email="alice@acme.test")
for _ in range(15):
    ticket_create(requester=user, subject="From a process", description="x")
"""


def test_processes_creating_tickets_at_once_on_sqlite_get_unique_numbers(tmp_path):
    """Four separate processes on one SQLite file, as the web server and worker are."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ECMP_VAR_DIR": str(tmp_path),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    setup = (
        "from ecmp.accounts.models import Organization, User\n"
        "org = Organization.objects.create(name='Acme')\n"
        "User.objects.create_user('alice@acme.test', 'x', full_name='A', organization=org)\n"
    )
    subprocess.run([*manage, "shell", "-v", "0", "-c", setup], env=env, check=True, cwd=ROOT)
    workers = [
        subprocess.Popen([*manage, "shell", "-v", "0", "-c", CREATE_SCRIPT], env=env, cwd=ROOT)
        for _ in range(4)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    count = subprocess.run(
        [
            *manage,
            "shell",
            "-v",
            "0",
            "-c",
            "from ecmp.tickets.models import Ticket;"
            "print(sorted(Ticket.objects.values_list('number', flat=True)))",
        ],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert count.stdout.strip() == str(list(range(1001, 1061)))
