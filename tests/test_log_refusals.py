"""A refused request logs one line, not the PermissionDenied's traceback."""

import io
import logging

import pytest
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture
def console():
    # The console handler as settings.LOGGING configures it, writing into a buffer.
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_a_refusal_logs_one_line_an_error_keeps_its_traceback(client, console):
    customer = UserFactory()
    client.force_login(customer)
    assert client.get(reverse("desk:queue")).status_code == 403
    refused = console.getvalue()
    assert "Forbidden" in refused and "/desk/tickets/" in refused
    assert "Traceback" not in refused
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True)
    assert "Traceback" in console.getvalue()
