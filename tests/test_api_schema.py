"""schemathesis against the live OpenAPI document, in-process (WSGI): every operation,
with a customer's and an agent's token, on data made from the schema. No answer is a
500; every answer's status, content type and body are what the schema says."""

import pytest
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_helpers import token_for
from tests.factories import make_ticket

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and token: enough to reach every refusal and answer, and
# the whole file stays well under a minute.
EXAMPLES = 12


@pytest.fixture
def schema(settings, db):
    settings.ALLOWED_HOSTS = ["*"]
    # The run makes a few hundred requests a token; the limit has its own test.
    settings.ECMP_API_RATE_PER_MINUTE = 100_000
    cache.clear()
    # As Django's test client does: a request must not close the test's connection
    # (its transaction holds the test's data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_schema_is_openapi_3_1_with_every_operation(schema, client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/v1/tickets", "/api/v1/tickets/{number}"} <= set(document["paths"])
    errors = document["paths"]["/api/v1/tickets/{number}"]["get"]["responses"]["404"]
    assert list(errors["content"]) == ["application/problem+json"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    reply = document["paths"]["/api/v1/tickets/{number}/replies"]["post"]
    assert "If-Match" in [p["name"] for p in reply["parameters"]]
    assert "ETag" in reply["responses"]["201"]["headers"]
    assert "Retry-After" in reply["responses"]["429"]["headers"]


def test_the_docs_page_loads_its_script_from_this_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn." not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("persona", ["alice", "agnes"])
def test_every_operation_answers_as_its_schema_says(request, schema, persona, alice, carol):
    user = request.getfixturevalue(persona)
    # Numbers that exist (one the customer sees, one they do not), beside the drawn ones.
    numbers = [make_ticket(who).number for who in (alice, carol)]
    _token, secret = token_for(user)
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        exercise(operation.as_strategy(), headers, numbers)


def exercise(strategy, headers, numbers):
    """EXAMPLES cases of one operation, each sent and checked; most on existing tickets."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        case = data.draw(strategy)
        if "number" in (case.path_parameters or {}):
            existing = data.draw(st.sampled_from([*numbers, None]))
            if existing is not None:
                case.path_parameters["number"] = existing
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()
