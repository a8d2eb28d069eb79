"""What `make run` relies on: demo data, the health check, the secret key."""

import os
import stat

from django.core.management import call_command
from django.urls import reverse

from ecmp.accounts.models import Organization, User
from ecmp.core.env import secret_key_from
from ecmp.demo.management.commands.seed_demo import DEMO_PASSWORD
from ecmp.tickets.models import Ticket


def test_demo_data_loads_once_and_its_sign_ins_work(client, db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("Demo data loaded.") == 1
    assert "agent@ecmp.example" in out
    assert User.objects.count() == 6
    assert Organization.objects.count() == 2
    assert User.objects.filter(is_team_manager=True).count() == 2
    assert Ticket.objects.count() == 3
    assert Ticket.objects.order_by("number").first().number == 1001
    for identifier in ("user@acme.example", "agent", "admin@ecmp.example"):
        response = client.post(
            reverse("accounts:login"), {"username": identifier, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, identifier
        client.post(reverse("accounts:logout"))


def test_health_check(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok", "oldest_task_seconds": 0}


def test_health_check_reports_a_stalled_queue(client, db):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    task = DBTaskResult.objects.create(
        status="READY",
        args_kwargs={},
        priority=0,
        task_path="ecmp.mail.tasks.outbox_sweep",
        queue_name="mail",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["queue"] == "stalled"


def test_the_secret_key_is_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key_from(tmp_path)
    assert first == secret_key_from(tmp_path)
    assert len(first) >= 50
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_the_secret_key_comes_from_the_environment_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert secret_key_from(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_unknown_pages_get_the_404_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
