"""Issue 18 §6: the support team's digest of held mail and registration requests."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ecmp.accounts.models import RegistrationRequest
from ecmp.core.periodic import schedule
from ecmp.mail.digest import staff_digest_send
from ecmp.mail.models import OutboundEmail
from tests.mailtools import build_mail


def digests():
    return OutboundEmail.objects.filter(kind="staff_digest")


@pytest.fixture
def team(agnes, adam, django_user_model):
    """Agnes and Adam; a deactivated agent who gets nothing."""
    from tests.factories import AgentFactory

    AgentFactory(email="gone@support.test", full_name="Gone", is_active=False)
    return [agnes, adam]


def request_for(alice, email="p@acme.test"):
    return RegistrationRequest.objects.create(
        organization=alice.organization, requested_by=alice, full_name="P", email=email
    )


def test_nothing_waiting_sends_nothing(team):
    assert staff_digest_send() == 0
    assert not digests().exists()


def test_each_active_agent_and_admin_gets_the_digest_once(team, alice, deliver, run_on_commit):
    deliver(build_mail(sender="stranger@nowhere.test"))
    request_for(alice)
    assert run_on_commit(staff_digest_send) == 2
    assert sorted(to for (to,) in digests().values_list("to", flat=True)) == [
        "adam@support.test",
        "agnes@support.test",
    ]
    email = digests().first()
    assert "1 new held message" in email.text and "1 new registration request" in email.text
    assert "/desk/mail/" in email.text and "/desk/" in email.html
    # Nothing new since: no second digest.
    assert staff_digest_send(now=timezone.now() + timedelta(hours=1)) == 0
    assert digests().count() == 2


def test_a_new_arrival_after_the_digest_sends_the_next_one(team, alice):
    request_for(alice)
    staff_digest_send()
    later = timezone.now() + timedelta(seconds=1)
    RegistrationRequest.objects.create(
        organization=alice.organization,
        requested_by=alice,
        full_name="Q",
        email="q@acme.test",
        created_at=later,
    )
    assert staff_digest_send(now=later + timedelta(hours=1)) == 2
    text = digests().order_by("-id").first().text
    assert "1 new registration request" in text and "2 pending in all" in text


def test_the_digest_is_rendered_once_per_language(team, alice, monkeypatch):
    from ecmp.mail import outbound

    team[0].language = "fr"
    team[0].save(update_fields=["language"])
    languages = []
    render = outbound._render

    def spy(template, context, language):
        languages.append((template, language))
        return render(template, context, language)

    monkeypatch.setattr(outbound, "_render", spy)
    request_for(alice)
    staff_digest_send()
    assert sorted(languages) == [("staff_digest", "en"), ("staff_digest", "fr")]


def test_the_setting_turns_the_job_on_off_and_to_every_minute(settings):
    settings.ECMP_STAFF_DIGEST = "hourly"
    assert schedule()["staff-digest"][1] == 3600
    settings.ECMP_STAFF_DIGEST = "immediately"
    assert schedule()["staff-digest"][1] == 60
    settings.ECMP_STAFF_DIGEST = "off"
    assert "staff-digest" not in schedule()


def test_off_sends_nothing(settings, team, alice):
    settings.ECMP_STAFF_DIGEST = "off"
    request_for(alice)
    assert staff_digest_send() == 0


def test_a_wrong_value_stops_the_start(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("ECMP_STAFF_DIGEST", "daily")
    with pytest.raises(ImproperlyConfigured, match="ECMP_STAFF_DIGEST"):
        importlib.reload(config.settings)
    monkeypatch.delenv("ECMP_STAFF_DIGEST")
    importlib.reload(config.settings)
