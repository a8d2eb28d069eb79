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
