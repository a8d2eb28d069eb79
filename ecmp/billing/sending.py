"""Sending an issued invoice (or credit note) to the client's billing contacts
(issue 19 §5): its files through the outbox, and a record of when and to whom."""

from __future__ import annotations

import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.accounts.selectors import reading_language
from ecmp.billing.einvoice.files import invoice_files
from ecmp.billing.events import billing_event_emit, invoice_payload
from ecmp.billing.mailer import billing_mailer
from ecmp.billing.models import Invoice
from ecmp.billing.payment_models import InvoiceDispatch
from ecmp.core.access import require_admin

_SEPARATORS = re.compile(r"[\s,;]+")


def invoice_recipients(invoice: Invoice) -> list[str]:
    """The billing contacts copied on the invoice at issue (commas, semicolons or
    spaces between them), each once, in their order."""
    seen: dict[str, str] = {}
    for address in _SEPARATORS.split(invoice.client_emails):
        if "@" in address:
            seen.setdefault(address.lower(), address)
    return list(seen.values())


def invoice_dispatch(invoice: Invoice, to: list[str], *, reminder: bool) -> None:
    """Queue the emails, one per address, with the files in the language each
    recipient reads (the site's for an address without an account): the PDF's words
    follow the reader as the email's do. Inside the caller's transaction."""
    language_of = reading_language(to)
    by_language: dict[str, list[str]] = defaultdict(list)
    for address in to:
        by_language[language_of(address)].append(address)
    for language, addresses in by_language.items():
        files = invoice_files(invoice, language)
        billing_mailer().send_invoice(invoice, addresses, files, reminder=reminder)


@transaction.atomic
def invoice_send(*, by: User, invoice: Invoice) -> InvoiceDispatch:
    """Email the invoice to its billing contacts. Sending again is a resend, recorded
    as well; it never moves a paid or partly paid invoice back to "sent". A credit
    note is sent the same way (the client's accounting needs it), it is never paid."""
    require_admin(by)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(
            _("This invoice is cancelled by a credit note: send the credit note instead."),
            code="cancelled",
        )
    to = invoice_recipients(invoice)
    if not to:
        raise ValidationError(
            _(
                "This invoice has no billing contact to send it to: the client's "
                "contract had no billing email when it was issued."
            ),
            code="no_recipient",
        )
    before = invoice.status
    invoice_dispatch(invoice, to, reminder=False)
    now = timezone.now()
    dispatch = InvoiceDispatch.objects.create(
        invoice=invoice, kind=InvoiceDispatch.Kind.SENT, to=to, at=now, by=by
    )
    resend = invoice.sent_at is not None
    invoice.sent_at = now
    if invoice.status == Invoice.Status.ISSUED:
        invoice.status = Invoice.Status.SENT
    invoice.save(update_fields=["sent_at", "status"])
    audit_record(
        AuditEvent.Kind.INVOICE_SENT,
        actor=by,
        target=invoice,
        changes={"status": [before, invoice.status]} if before != invoice.status else None,
        detail=f"{invoice.number} {'sent again' if resend else 'sent'} to {', '.join(to)}",
    )
    billing_event_emit("invoice.sent", invoice_payload(invoice))
    return dispatch
