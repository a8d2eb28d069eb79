"""The admins' pages read and write as before: the invoices page's "New invoice" form
written from plain values (desk/billing_page.py) as Django's widgets write it."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import reverse

from ecmp.billing.forms import InvoicePeriodForm
from tests.factories import OrganizationFactory

_DJANGO = (
    "{% if form.non_field_errors() %}"
    '<div class="col-12 alert alert-danger" role="alert">'
    "{% for e in form.non_field_errors() %}{{ e }} {% endfor %}</div>{% endif %}"
    '<div class="col-md-4">{% with field=form.organization %}'
    '{% include "includes/field.html" %}{% endwith %}</div>'
    '<div class="col-md-3">{% with field=form.start %}'
    '{% include "includes/field.html" %}{% endwith %}</div>'
    '<div class="col-md-3">{% with field=form.end %}'
    '{% include "includes/field.html" %}{% endwith %}</div>'
)


def _django_form(form: InvoicePeriodForm) -> str:
    return engines["jinja2"].from_string(_DJANGO).render({"form": form})


def _form_part(html: str) -> str:
    start = html.index('<form method="get" action="/desk/billing/draft/"')
    part = html[html.index(">", start) + 1 : html.index('<div class="col-md-2 mb-3">', start)]
    return "".join(line.strip() for line in part.splitlines())


def _flat(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


@pytest.fixture
def clients(db):
    return [OrganizationFactory(name=name) for name in ("Zeta & <b>Co</b>", 'Alpha "A"', "Mid")]


def test_the_new_invoice_form_is_written_as_django_writes_it(clients, adam, client_for):
    from django.utils import timezone

    response = client_for(adam).get(reverse("desk:billing"))
    assert response.status_code == 200
    today = timezone.localdate()
    form = InvoicePeriodForm(initial={"start": today.replace(day=1), "end": today})
    expected = _django_form(form)
    assert "&lt;b&gt;Co&lt;/b&gt;" in expected and 'value="' + str(clients[1].pk) in expected
    html = response.content.decode()
    # Byte for byte within the form's lines (the surrounding indentation is the page's).
    assert _form_part(html) == _flat(expected)
    assert '<select name="organization" class="form-select" required id="id_organization">' in html


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"organization": "abc", "start": "2026-13-01", "end": ""},
        {"organization": "{pk}", "start": "2026-05-31", "end": "2026-05-01"},  # ends before
        {"organization": "999999", "start": "<script>", "end": "2026-05-01"},
    ],
)
def test_a_refused_draft_shows_the_form_as_django_writes_it(clients, adam, client_for, data):
    data = {k: v.replace("{pk}", str(clients[2].pk)) for k, v in data.items()}
    response = client_for(adam).get(reverse("desk:invoice-draft"), data)
    assert response.status_code == 400
    form = InvoicePeriodForm(data)
    assert not form.is_valid()
    expected = _django_form(form)
    assert "is-invalid" in expected or "alert-danger" in expected
    assert _form_part(response.content.decode()) == _flat(expected)


def test_the_invoices_page_is_for_admins_only(clients, adam, client_for):
    from tests.factories import AgentFactory

    agent = AgentFactory(email="agent@support.test")
    assert client_for(agent).get(reverse("desk:billing")).status_code in (302, 403, 404)
    assert client_for(adam).get(reverse("desk:billing")).status_code == 200


# The audit page's row as it was written from AuditEvent instances.
_AUDIT_ROW_BEFORE = """{% for event in events %}
    <td class="text-nowrap"><time datetime="{{ event.at|date('c') }}">{{ event.at|date("Y-m-d H:i:s") }}</time></td>
    <td>{{ event.get_kind_display() }}</td>
    <td>{{ event.actor_label|default("—") }}</td>
    <td class="font-monospace small">{{ event.address|default("—") }}</td>
    <td>{{ event.target_label|default("—") }}|{{ event.changes }}|{{ event.detail }}</td>
{% endfor %}"""
_AUDIT_ROW_AFTER = """{% for event in events %}
    <td class="text-nowrap"><time datetime="{{ event.at_machine }}">{{ event.at_text }}</time></td>
    <td>{{ event.kind_label }}</td>
    <td>{{ event.actor_label|default("—") }}</td>
    <td class="font-monospace small">{{ event.address|default("—") }}</td>
    <td>{{ event.target_label|default("—") }}|{{ event.changes }}|{{ event.detail }}</td>
{% endfor %}"""


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC"])
def test_the_audit_rows_write_what_the_events_wrote(adam, language, zone):
    from datetime import UTC, datetime

    from django.utils import timezone, translation

    from ecmp.accounts.audit_selectors import (
        audit_event_list_for_admin,
        audit_row_list_for_admin,
        audit_rows,
    )
    from ecmp.accounts.models import AuditEvent

    for i, kind in enumerate(AuditEvent.Kind.values):
        AuditEvent.objects.create(
            at=datetime(2026, 3, 29, 0, 30 + i % 30, i % 60, 1234 * i, tzinfo=UTC),
            kind=kind,
            actor_label="<b>Adam</b> & co" if i % 2 else "",
            address="192.0.2.7" if i % 3 else None,
            target_type="organization",
            target_id=str(i),
            target_label=f'"T{i}"',
            changes={"role": ["agent", None]} if i % 4 else {},
            detail="<i>d</i>" if i % 5 else "",
        )
    env = engines["jinja2"]
    with translation.override(language), timezone.override(zone):
        events = list(audit_event_list_for_admin(adam))
        rows = audit_rows(audit_row_list_for_admin(adam))
        assert len(rows) == len(events) == len(AuditEvent.Kind.values)
        before = env.from_string(_AUDIT_ROW_BEFORE).render({"events": events})
        after = env.from_string(_AUDIT_ROW_AFTER).render({"events": rows})
    assert after == before
    assert "&lt;b&gt;Adam" in after


def test_the_audit_page_is_for_admins_only(adam, client_for):
    from tests.factories import AgentFactory

    agent = AgentFactory(email="agent@support.test")
    assert client_for(agent).get(reverse("desk:audit")).status_code in (302, 403, 404)
    response = client_for(adam).get(reverse("desk:audit"))
    assert response.status_code == 200


def _django_inputs(forms_: list) -> list[str]:
    env = engines["jinja2"]
    source = "{{ widget(field) }}"
    return [
        env.from_string(source).render({"field": form[name]})
        for form in forms_
        for name in form.fields
    ]


@pytest.mark.parametrize(
    "post",
    [
        None,
        {
            "p4-first_response_hours": "abc",
            "p3-first_response_hours": "0.1",
            "p2-resolution_hours": "4",
        },
        {"p4-first_response_hours": '"><b>', "p4-resolution_hours": "1e3"},
    ],
)
def test_the_service_level_targets_are_written_as_django_writes_them(adam, client_for, post):
    from ecmp.desk.sla_views import _hours_form, _target_forms

    client = client_for(adam)
    if post is None:
        response = client.get(reverse("desk:sla"))
        forms_ = [form for _l, _p, form in _target_forms()]
    else:
        response = client.post(reverse("desk:sla-targets"), post)
        assert response.status_code == 400
        forms_ = [form for _l, _p, form in _target_forms(post)]
    html = response.content.decode()
    expected = _django_inputs([*forms_, _hours_form()])
    assert len(expected) == 8 + 21
    for markup in expected:
        assert markup in html, markup


@pytest.mark.parametrize(
    "post",
    [
        {"open_0": "on", "opens_0": "18:00", "closes_0": "09:00", "open_2": "on", "opens_2": "x"},
        {"open_6": "on", "opens_6": "08:00", "closes_6": "12:30", "opens_1": "<i>"},
    ],
)
def test_refused_business_hours_are_written_as_django_writes_them(adam, client_for, post):
    from ecmp.desk.forms import BusinessHoursForm

    response = client_for(adam).post(reverse("desk:sla-hours"), post)
    form = BusinessHoursForm(post)
    assert not form.is_valid()  # each case is a refusal
    assert response.status_code == 400
    html = response.content.decode()
    expected = _django_inputs([form])
    assert any("is-invalid" in markup for markup in expected)
    for markup in expected:
        assert markup in html, markup


def test_the_team_rows_are_what_the_orm_gives(adam, client_for):
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecmp.accounts.models import ERASED_DOMAIN, Role, User
    from ecmp.accounts.team_reads import team_rows_for_admin
    from ecmp.accounts.twofactor import team_list_with_two_factor
    from tests.factories import AgentFactory, UserFactory

    on = AgentFactory(email="on@support.test", full_name="Zed On")
    TOTPDevice.objects.create(user=on, name="phone", confirmed=True)
    half = AgentFactory(email="half@support.test", full_name="")
    TOTPDevice.objects.create(user=half, name="phone", confirmed=False)
    AgentFactory(email="gone@support.test", full_name="Gone", is_active=False)
    erased = AgentFactory(email="x@support.test", full_name="<i>Erased</i>")
    User.objects.filter(pk=erased.pk).update(email=f"erased-{erased.pk}@{ERASED_DOMAIN}")
    UserFactory(email="customer@client.test")  # not of the team
    for language in ("en", "fr"):
        with translation.override(language):
            rows = team_rows_for_admin(adam)
            people = list(team_list_with_two_factor())
            assert [
                (
                    r.pk,
                    r.full_name,
                    r.email,
                    r.role_label,
                    r.is_active,
                    r.two_factor_on,
                    r.is_erased,
                )
                for r in rows
            ] == [
                (
                    p.pk,
                    p.full_name,
                    p.email,
                    p.get_role_display(),
                    p.is_active,
                    p.two_factor_on,
                    p.is_erased,
                )
                for p in people
            ]
    assert {r.email for r in rows} >= {"on@support.test", "half@support.test", adam.email}
    assert [r.two_factor_on for r in rows if r.email.startswith(("on@", "half@"))] == [False, True]
    with pytest.raises(PermissionDenied):
        team_rows_for_admin(on)
    assert client_for(on).get(reverse("desk:team")).status_code in (302, 403, 404)
    html = client_for(adam).get(reverse("desk:team")).content.decode()
    assert "&lt;i&gt;Erased&lt;/i&gt;" in html
    assert reverse("desk:person-edit", args=[erased.pk]) not in html
    assert reverse("desk:person-erase", args=[erased.pk]) not in html
    assert reverse("desk:person-erase", args=[adam.pk]) not in html
    assert reverse("desk:person-erase", args=[on.pk]) in html
    assert Role.ADMIN.label and "Deactivated" in html


def test_the_whole_logs_compiled_reads_give_what_the_orm_gives(adam, client_for, settings):
    from datetime import UTC, datetime

    from django.core.exceptions import PermissionDenied

    from ecmp.accounts.audit_selectors import (
        audit_count_unfiltered,
        audit_row_list_for_admin,
        audit_rows,
        audit_rows_unfiltered,
    )
    from ecmp.accounts.models import AuditEvent
    from tests.factories import AgentFactory

    size = settings.ECMP_LIST_PAGE_SIZE
    for i in range(size + 3):
        AuditEvent.objects.create(
            at=datetime(2026, 1, 1 + i % 3, 12, 0, 0, 500 * i, tzinfo=UTC),  # ties on purpose
            kind=AuditEvent.Kind.values[i % len(AuditEvent.Kind.values)],
            actor_label=f"a{i}",
            changes={"n": [i, None], "t": ["é", "<b>"]} if i % 2 else {},
        )
    orm = list(audit_row_list_for_admin(adam))
    assert audit_rows_unfiltered(adam, 0, size) == orm[:size]
    assert audit_rows_unfiltered(adam, size, size) == orm[size : 2 * size]
    assert audit_rows(audit_rows_unfiltered(adam, 0, size)) == audit_rows(orm[:size])
    assert isinstance(audit_rows_unfiltered(adam, 0, size)[1][-2], dict)
    assert audit_count_unfiltered(adam, 10_000) == len(orm)
    assert audit_count_unfiltered(adam, 5) == 6
    agent = AgentFactory(email="agent@support.test")
    with pytest.raises(PermissionDenied):
        audit_rows_unfiltered(agent, 0, size)
    with pytest.raises(PermissionDenied):
        audit_count_unfiltered(agent, 10)
    first = client_for(adam).get(reverse("desk:audit")).content.decode()
    second = client_for(adam).get(reverse("desk:audit"), {"page": 2}).content.decode()
    assert 'href="?&page=2"' in first and "a0</td>" in second and "a0</td>" not in first


def test_the_service_levels_rows_are_what_the_orm_gives(adam, client_for):
    from datetime import date, time

    from django.utils import formats

    from ecmp.sla.models import BusinessHours, Holiday, SlaTarget
    from ecmp.sla.settings_selectors import business_hours_rows, holiday_rows, sla_target_rows

    SlaTarget.objects.all().delete()
    BusinessHours.objects.all().delete()
    SlaTarget.objects.create(priority=4, first_response_minutes=75, resolution_minutes=241)
    SlaTarget.objects.create(priority=1, first_response_minutes=960, resolution_minutes=4800)
    BusinessHours.objects.create(weekday=4, opens=time(8, 30), closes=time(12, 15))
    BusinessHours.objects.create(weekday=0, opens=time(9), closes=time(17, 59))
    Holiday.objects.create(day=date(2026, 12, 25), name="<b>Noël</b>")
    Holiday.objects.create(day=date(2026, 1, 1), name="New year")
    assert {p: tuple(r) for p, r in sla_target_rows().items()} == {
        p: (t.priority, t.first_response_minutes, t.resolution_minutes)
        for p, t in ((t.priority, t) for t in SlaTarget.objects.all())
    }
    assert [tuple(r) for r in business_hours_rows()] == [
        (h.weekday, h.opens, h.closes) for h in BusinessHours.objects.order_by("weekday")
    ]
    assert business_hours_rows()[1].opens == time(8, 30)
    assert [tuple(r) for r in holiday_rows()] == [
        (h.pk, h.day, h.name) for h in Holiday.objects.order_by("day")
    ]
    assert holiday_rows()[0].day == date(2026, 1, 1)
    html = client_for(adam).get(reverse("desk:sla")).content.decode()
    christmas = formats.date_format(date(2026, 12, 25), "DATE_FORMAT")
    assert f"{christmas} — &lt;b&gt;Noël&lt;/b&gt;" in html
    assert 'name="p4-first_response_hours" value="1.25"' in html
    assert 'name="opens_4" value="08:30"' in html and 'id="id_open_4" checked' in html


@pytest.mark.parametrize(
    "post", [None, {}, {"day": "2026-02-30", "name": "x" * 101}, {"day": '"><b>', "name": "<i>"}]
)
def test_the_holiday_form_is_written_as_django_writes_it(adam, client_for, post):
    from ecmp.desk.forms import HolidayForm

    client = client_for(adam)
    if post is None:
        response, form = client.get(reverse("desk:sla")), HolidayForm()
    else:
        response = client.post(reverse("desk:sla-holiday-add"), post)
        form = HolidayForm(post)
        assert not form.is_valid() and response.status_code == 400
    source = '{% with field=form[name] %}{% include "includes/field.html" %}{% endwith %}'
    html = response.content.decode()
    for name in ("day", "name"):
        expected = engines["jinja2"].from_string(source).render({"form": form, "name": name})
        assert 'name="' + name + '"' in expected and expected in html, expected


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("query", [{}, {"kind": "sign_in"}, {"kind": "nonsense"}])
def test_the_event_select_is_written_as_before(adam, client_for, language, query):
    from django.utils import translation

    from ecmp.desk.audit_views import AuditFilterForm

    client = client_for(adam)
    with translation.override(language):
        response = client.get(reverse("desk:audit"), query, HTTP_ACCEPT_LANGUAGE=language)
        form = AuditFilterForm(query or None)
        expected = (
            engines["jinja2"]
            .from_string('{% import "includes/ui.html" as ui %}{{ ui.options(choices_of(f)) }}')
            .render({"f": form["kind"]})
        )
    assert expected.count("<option") == len(AuditFilterForm.base_fields["kind"].choices)
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"organization": "{pk}"},
        {"organization": "abc"},
        {"start": "x", "organization": ""},
        {"start": "2026-05-01", "end": "2026-04-01"},
        {"start": '"><b>', "end": "2026-04-01", "organization": "999999"},
    ],
)
def test_the_support_reports_form_is_written_as_django_writes_it(clients, adam, client_for, query):
    from ecmp.desk.support_report_forms import SupportReportForm

    query = {k: v.replace("{pk}", str(clients[0].pk)) for k, v in query.items()}
    response = client_for(adam).get(reverse("desk:support-reports"), query)
    form = SupportReportForm(query)
    assert response.status_code == (200 if form.is_valid() else 400)
    source = '{% with field=form[name] %}{% include "includes/field.html" %}{% endwith %}'
    html = response.content.decode()
    for name in ("start", "end", "organization"):
        expected = engines["jinja2"].from_string(source).render({"form": form, "name": name})
        assert expected in html, expected
    assert "Zeta &amp; &lt;b&gt;Co&lt;/b&gt;" in html


def test_the_invoices_count_is_what_the_orm_counts(adam, client_for):
    from django.core.exceptions import PermissionDenied

    from ecmp.billing.invoice_list_reads import invoice_count_for_admin
    from ecmp.billing.models import Invoice
    from tests.factories import AgentFactory

    assert invoice_count_for_admin(adam) == Invoice.objects.count() == 0
    with pytest.raises(PermissionDenied):
        invoice_count_for_admin(AgentFactory(email="agent@support.test"))


def test_the_invoices_page_counts_and_lists_every_invoice(adam, agnes, alice, client_for):
    from ecmp.billing.invoice_list_reads import invoice_count_for_admin
    from ecmp.billing.models import Invoice
    from tests.invoice_sending_data import issued_invoice

    invoices = [issued_invoice(adam, agnes, alice) for _ in range(2)]
    assert invoice_count_for_admin(adam) == Invoice.objects.count() == 2
    html = client_for(adam).get(reverse("desk:billing")).content.decode()
    assert all(invoice.number in html for invoice in invoices)
    assert "There are no records to show" not in html
