"""Background work through the real database task backend and its worker."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from ecmp.accounts import services

DB_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
}


# transaction=True: the worker closes the connection between tasks, which would
# break the wrapping transaction of an ordinary test on PostgreSQL.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_the_welcome_email_is_queued_after_commit_and_sent_by_the_worker(agnes, acme):
    services.user_register(by=agnes, email="w@acme.test", full_name="W", organization=acme)
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert queued.queue_name == "mail"

    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)

    assert [m.to for m in mail.outbox] == [["w@acme.test"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_nothing_is_queued_when_the_registration_fails(agnes, acme, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.user_register(by=agnes, email=alice.email, full_name="Dup", organization=acme)
    assert not DBTaskResult.objects.exists()
