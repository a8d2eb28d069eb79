"""Issue 16 attacked at its edges: the audit log, erasure, the Django admin."""

from datetime import date

import pytest
from django.urls import reverse

from ecmp.accounts.audit_selectors import AuditFilters, audit_event_list_for_admin
from ecmp.accounts.models import AuditEvent

Kind = AuditEvent.Kind


# --- The audit log's filters take any date the form accepts ------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_the_audit_log_takes_the_first_and_last_day_of_the_calendar(client_for, adam, query):
    # The date field accepts them; the day after the last one, or the start of the
    # first one in UTC, is past what a datetime holds: it was a 500.
    client = client_for(adam)
    assert client.get(reverse("desk:audit"), query).status_code == 200
    response = client.get(reverse("desk:audit-csv"), query)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"at,kind")


def test_the_calendar_bounds_filter_nothing_out(adam, bob):
    AuditEvent.objects.create(kind=Kind.SIGN_IN, actor_label="x")
    events = audit_event_list_for_admin(adam, AuditFilters(since=date.min, until=date.max))
    assert events.count() == 1
