"""The Low findings of issue 16, each as a regression test (SQLite and PostgreSQL)."""

import io
import re

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from pypdf import PdfReader

from ecmp.billing import services as billing
from ecmp.billing.models import ActivityType
from ecmp.core.ids import MAX_ID, parse_id
from ecmp.mail.models import OutboundEmail
from ecmp.mail.services import outbox_retry
from ecmp.mail.tasks import inbound_process, outbox_send
from tests.factories import make_ticket
from tests.invoices_data import today

HUGE = "99999999999999999999"  # past 64 bits
IMPOSSIBLE_IDS = [HUGE, str(MAX_ID + 1), "0"]


def log_time(ticket, agent, minutes, *, billable=True):
    return billing.time_entry_create(
        ticket=ticket,
        agent=agent,
        day=today(),
        minutes=minutes,
        activity_type=ActivityType.objects.get(name="Support"),
        description="Work",
        billable=billable,
    )


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- Text given to the PDF is escaped -------------------------------------------------

HOSTILE_NAMES = ["<b>Acme & <Sons>", "<para>Acme", "Acme <font name=x>", "Acme & Co </para>"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_an_organization_name_with_markup_prints_literally_on_the_invoice(
    name, acme, alice, agnes, adam, client_for
):
    acme.name = name
    acme.save()
    ticket = make_ticket(alice, subject="<i>Printer</i> & <br/> scanner")
    log_time(ticket, agnes, 30)
    invoice = billing.invoice_issue(by=adam, organization=acme, start=today(), end=today())
    response = client_for(adam).get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert name in text
    assert "<i>Printer</i> & <br/> scanner" in text


@override_settings(ECMP_COMPANY_NAME="<font name=x>Support & Co")
def test_the_company_name_with_markup_prints_literally(acme, alice, agnes, adam, client_for):
    log_time(make_ticket(alice), agnes, 30)
    invoice = billing.invoice_issue(by=adam, organization=acme, start=today(), end=today())
    response = client_for(adam).get(reverse("desk:invoice-file", args=[invoice.pk, "pdf"]))
    assert "<font name=x>Support & Co" in pdf_text(response.content)


# --- Ids beyond the integer range: 404, never 500 ----------------------------------


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _id_routes():
    """Every route of ours that takes a number in its path."""
    for route, pattern in _routes(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        if "<id:" in route or "<int:" in route or "[0-9]" in route or r"\d" in route:
            yield route, pattern


def _with_id(route: str, value: str) -> str:
    path = re.sub(r"<(?:id|int):\w+>", value, route)
    path = re.sub(r"\(\?P<\w+>(?:\[0-9\]\{1,19\}|\\d\+)\)", value, path)
    path = path.replace("(?P<kind>pdf|csv)", "pdf").lstrip("^").rstrip("$")
    return "/" + path


def test_every_number_in_our_urls_is_a_bounded_id():
    routes = list(_id_routes())
    assert len(routes) > 30
    for route, pattern in routes:
        converters = pattern.pattern.converters.values()
        assert not any(type(c) is IntConverter for c in converters), route
        assert r"\d+" not in route, route


@pytest.mark.parametrize("value", IMPOSSIBLE_IDS)
def test_every_url_with_an_impossible_id_answers_404(value, adam, alice, client_for):
    admin, customer = client_for(adam), client_for(alice)
    answers = {}
    for route, _pattern in _id_routes():
        path = _with_id(route, value)
        for who, client in (("admin", admin), ("customer", customer)):
            for method in ("get", "post"):
                answers[(who, method, path)] = getattr(client, method)(path).status_code
    wrong = {key: code for key, code in answers.items() if code != 404}
    assert not wrong


def test_the_largest_id_is_simply_not_found(adam, client_for):
    """In range for the database but no such row: the views' own 404."""
    admin = client_for(adam)
    for path in ("/desk/tickets/%d/", "/desk/clients/%d/", "/desk/billing/invoices/%d/"):
        assert admin.get(path % MAX_ID).status_code == 404


@pytest.mark.parametrize("value", [HUGE, str(MAX_ID + 1), "-1", "0", "abc", "1e3", "\uff11\uff12"])
def test_an_impossible_organization_filter_is_ignored(value, adam, alice, client_for):
    ticket = make_ticket(alice)
    admin = client_for(adam)
    response = admin.get(reverse("desk:queue"), {"organization": value})
    assert response.status_code == 200
    assert f"#{ticket.number}" in response.text or str(ticket.number) in response.text
    assert admin.get(reverse("desk:invite"), {"organization": value}).status_code == 200


@pytest.mark.parametrize("param", ["assignee", "priority", "page", "number"])
def test_other_numbers_in_the_desk_query_strings_never_fail(param, adam, client_for):
    admin = client_for(adam)
    for path in (reverse("desk:queue"), reverse("desk:jump")):
        assert admin.get(path, {param: HUGE}).status_code in (200, 302)


@pytest.mark.parametrize("param", ["related", "page", "tickets_page"])
def test_numbers_in_the_portal_query_strings_never_fail(param, alice, client_for):
    customer = client_for(alice)
    for path in (
        reverse("portal:ticket-new"),
        reverse("portal:service-desk"),
        reverse("portal:invoices"),
    ):
        # A related ticket that does not exist is the ticket page's 404.
        assert customer.get(path, {param: HUGE}).status_code in (200, 404)


def test_parse_id_takes_only_possible_ids():
    assert parse_id("42") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    for text in (HUGE, str(MAX_ID + 1), "0", "-1", "", None, "\uff14\uff12", "1.0", "0x1"):
        assert parse_id(text) is None


# --- Worker tasks given an id that does not exist ---------------------------------------


@pytest.mark.parametrize("email_id", [int(HUGE), MAX_ID + 1, -1, MAX_ID])
def test_the_outbox_tasks_return_quietly_for_an_id_that_does_not_exist(email_id, db):
    assert outbox_send.call([email_id], due_only=True) in ({}, {"skipped": 1})
    assert outbox_send.call(email_id) in ({}, {"skipped": 1})
    assert outbox_retry(email_id=email_id) is False
    assert inbound_process.call([email_id]) == {}


def test_retry_now_on_a_missing_email_says_so_and_enqueues_nothing(
    adam, client_for, django_capture_on_commit_callbacks
):
    admin = client_for(adam)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin.post(reverse("desk:mail-outbox-retry", args=[MAX_ID]), follow=True)
    assert response.status_code == 200
    assert "not waiting to be sent" in response.text
    assert callbacks == []
    assert admin.post(f"/desk/mail/out/{HUGE}/retry/").status_code == 404


def test_retry_now_on_a_failed_email_still_sends_it(adam, client_for, mailoutbox):
    email = OutboundEmail.objects.create(
        to=["someone@example.test"],
        subject="Hello",
        text="Body",
        message_id="<retry-test@example.test>",
        status=OutboundEmail.Status.FAILED,
    )
    assert outbox_retry(email_id=email.pk) is True
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED


# --- A team manager's time per ticket respects ticket visibility -----------------------


@pytest.fixture
def time_at_acme(alice, bob, agnes):
    own = make_ticket(alice, subject="Alice's printer")
    colleague = make_ticket(bob, subject="Bob's private salary question")
    log_time(own, agnes, 30)
    log_time(colleague, agnes, 45)
    log_time(colleague, agnes, 15, billable=False)
    return own, colleague


def test_a_manager_sees_only_the_time_of_tickets_they_may_see(
    time_at_acme, acme, alice, client_for
):
    _own, colleague = time_at_acme
    assert acme.managers_see_all_tickets is False
    page = client_for(alice).get(reverse("portal:invoices")).text
    assert "Alice&#39;s printer" in page
    assert "salary" not in page
    assert str(colleague.number) not in page
    # The hidden time is still counted, as one line without numbers or subjects.
    assert "1 other ticket of your colleagues" in page
    hidden_row = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert '<td class="text-end">1 h</td><td class="text-end">45 min</td>' in hidden_row


def test_a_manager_who_may_see_all_tickets_sees_every_subject(
    time_at_acme, acme, alice, client_for
):
    _own, colleague = time_at_acme
    acme.managers_see_all_tickets = True
    acme.save()
    page = client_for(alice).get(reverse("portal:invoices")).text
    assert "salary question" in page
    assert str(colleague.number) in page
    assert "<tfoot>" not in page
