"""Issued invoices ready to send and pay (issue 19 §5), for the sending, payment and
reminder tests."""

from __future__ import annotations

from django.core import mail

from tests.factories import make_ticket
from tests.invoices_data import issue, log_time, make_contract, make_issuer, set_rate

CONTACTS = "billing@acme.test, alice@acme.test"


def issued_invoice(adam, agnes, alice, *, minutes: int = 60, contacts: str = CONTACTS, **issuer):
    """An invoice of Acme (alice's company) for an hour of support at 80.00 + 21 %
    VAT: 96.80 EUR, with an OGM reference unless the issuer says otherwise."""
    organization = alice.organization
    set_rate(organization)
    make_issuer(adam, with_logo=False, **issuer)
    if not organization.contracts.exists():
        make_contract(organization, billing_emails=contacts)
    ticket = make_ticket(alice, subject="Printer on fire")
    log_time(ticket, agnes, minutes)
    invoice = issue(adam, organization)
    invoice.ticket_number = ticket.number  # for the tests that look for it
    return invoice


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]
