"""A team manager's Invoices page read by statements compiled once per process
(billing/portal_reads.py): the invoices, the time per ticket and the hidden time are
what the selectors give through the ORM, to the same people only."""

import pytest
from django.urls import reverse

from ecmp.accounts.models import User
from ecmp.billing import services
from ecmp.billing.portal_reads import (
    TICKET_TIME,
    hidden_time,
    invoice_count,
    invoice_rows,
    ticket_time_count,
    ticket_time_rows,
)
from ecmp.billing.selectors import (
    invoices_visible_to,
    time_on_hidden_tickets_for_manager,
    time_per_ticket_for_manager,
)
from tests.invoices_data import month_start, today
from tests.test_billing import acme_time, log, support  # noqa: F401


def _fields(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


def _fresh(user: User) -> User:
    return User.objects.select_related("organization").get(pk=user.pk)


@pytest.mark.parametrize("sees_all", [False, True])
def test_as_the_selectors_give_them(acme_time, acme, alice, bob, carol, adam, sees_all):  # noqa: F811
    acme.managers_see_all_tickets = sees_all
    acme.save()
    services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    carol.is_team_manager = True
    carol.save()
    for user in (_fresh(alice), _fresh(bob), _fresh(carol)):
        invoices = list(invoices_visible_to(user))
        assert [_fields(i) for i in invoice_rows(user, 0, 25)] == [_fields(i) for i in invoices]
        assert invoice_rows(user, 1, 25) == invoices[1:]
        assert invoice_count(user) == len(invoices)
        times = [
            tuple(getattr(t, name) for name in TICKET_TIME)
            for t in time_per_ticket_for_manager(user)
        ]
        assert [tuple(row) for row in ticket_time_rows(user, 0, 25)] == times
        assert [tuple(row) for row in ticket_time_rows(user, 1, 25)] == times[1:]
        assert ticket_time_count(user) == len(times)
        assert hidden_time(user) == time_on_hidden_tickets_for_manager(user)
    alice_now = _fresh(alice)
    assert invoice_count(alice_now) == 1 and invoice_count(_fresh(carol)) == 0
    # Bob's ticket's time: Alice's own list when she sees all, else the hidden total.
    assert ticket_time_count(alice_now) == (2 if sees_all else 1)
    assert hidden_time(alice_now)["tickets"] == (0 if sees_all else 1)
    assert ticket_time_count(_fresh(carol)) == 0 and hidden_time(_fresh(carol))["tickets"] == 0


def test_the_page_writes_them(acme_time, acme, alice, adam, client_for):  # noqa: F811
    invoice = services.invoice_issue(by=adam, organization=acme, start=month_start(), end=today())
    html = client_for(alice).get(reverse("portal:invoices")).content.decode()
    assert invoice.number in html and invoice.payment_reference_display in html
    assert reverse("portal:invoice-pdf", args=[invoice.pk]) in html
    assert "Printer on fire" in html and "VPN down" not in html
    assert "1 other ticket of your colleagues" in html
