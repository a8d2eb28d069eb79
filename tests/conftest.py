"""Personas shared by every test.

alice and bob work at Acme (alice is their team manager), carol is a
customer of Globex, agnes is an agent, adam an admin.
"""

import pytest
from django.test import Client
from hypothesis import settings

from ecmp.accounts.models import Role
from tests.factories import AgentFactory, OrganizationFactory, UserFactory

# No time limit per generated example: Hypothesis' default deadline (200 ms) is a timed
# assertion, and this machine's speed varies (a sign-in example took 404 ms once under
# CI's two suites side by side, then 104 ms). Speed is measured by bench/, never here.
settings.register_profile("ecmp", deadline=None)
settings.load_profile("ecmp")

AUTH_BACKEND = "ecmp.accounts.backends.LoginOrEmailBackend"


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def globex(db):
    return OrganizationFactory(name="Globex")


@pytest.fixture
def alice(acme):
    """A customer of Acme and its team manager."""
    return UserFactory(
        email="alice@acme.test",
        username="alice",
        full_name="Alice Martin",
        organization=acme,
        is_team_manager=True,
    )


@pytest.fixture
def bob(acme):
    """Alice's colleague at Acme, not a manager."""
    return UserFactory(email="bob@acme.test", full_name="Bob Durand", organization=acme)


@pytest.fixture
def carol(globex):
    """A customer of another company."""
    return UserFactory(email="carol@globex.test", full_name="Carol Smith", organization=globex)


@pytest.fixture
def agnes(db):
    """An agent of the support company."""
    return AgentFactory(email="agnes@support.test", full_name="Agnes Agent")


@pytest.fixture
def adam(db):
    """An admin of the support company."""
    return AgentFactory(email="adam@support.test", full_name="Adam Admin", role=Role.ADMIN)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=AUTH_BACKEND)
    return client


@pytest.fixture
def client_for():
    """client_for(user): a test client signed in as that user."""
    return signed_in


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "postgresql: about PostgreSQL itself (its plans, its indexes); run by the PostgreSQL "
        "run of the suite and left out (deselected, not skipped) of the SQLite run",
    )
    config.addinivalue_line(
        "markers", "sqlite: about SQLite itself (its single writer); the other way round"
    )


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    other = (
        "sqlite" if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else "postgresql"
    )
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its files apart, so that "nothing saved" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def smtp_server(tmp_path, settings):
    """A real SMTP server (aiosmtpd) storing what it receives in a Maildir; Django sends to it."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    from tests.mailtools import free_port

    port = free_port()
    maildir = tmp_path / "maildir"
    controller = Controller(Mailbox(str(maildir)), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield maildir
    controller.stop()


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """deliver(raw, **kwargs): store a message as the ways in do, and process it as
    the worker does (with what it sets off); the row, read again."""
    from ecmp.mail.inbound.pipeline import inbound_store

    def deliver_(raw, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            row, _created = inbound_store(raw, source="test", **kwargs)
        row.refresh_from_db()
        return row

    return deliver_


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """run_on_commit(block): run it and what it sets off after commit (events, emails)."""

    def runner(block):
        with django_capture_on_commit_callbacks(execute=True):
            return block()

    return runner


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (ECMP_REQUIRE_SERVICES=1) every service is there: a skip is a failure."""
    import os

    outcome = yield
    report = outcome.get_result()
    if os.environ.get("ECMP_REQUIRE_SERVICES") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI must run every test: {report.longrepr}"


@pytest.fixture(autouse=True)
def service_levels_read_afresh():
    """Each process keeps the service levels (ecmp/sla/selectors.py); a test's rolled
    back or emptied database must not leave its levels to the next test."""
    from ecmp.sla.selectors import forget_levels

    forget_levels()
    yield
    forget_levels()


@pytest.fixture(autouse=True)
def no_task_waiting_from_another_test(monkeypatch):
    """Follow-ups join the last task this connection enqueued while it waits
    (ecmp/core/followups.py): a task of an earlier test is not one to join."""
    from ecmp.core import followups

    monkeypatch.setattr(followups, "_states", type(followups._states)())


@pytest.fixture(autouse=True)
def reference_data(request):
    """Tests on a committed database empty it afterwards, migrations' rows included:
    put the reference rows (service levels, kinds of work) back for each of them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from ecmp.billing.defaults import create_defaults as activity_defaults
    from ecmp.billing.models import ActivityType
    from ecmp.sla.defaults import create_defaults as sla_defaults
    from ecmp.sla.models import BusinessHours, SlaTarget

    sla_defaults(SlaTarget, BusinessHours)
    activity_defaults(ActivityType)


@pytest.fixture(autouse=True)
def language_reset():
    """A request's language stays active in the thread after it (the middleware
    activates it, nothing deactivates it): a test that read a page in French must not
    leave French to the next test."""
    from django.utils import translation

    yield
    translation.deactivate()
