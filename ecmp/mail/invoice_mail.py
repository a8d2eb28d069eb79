"""An invoice emailed to its client's billing contacts, and its reminders
(billing/sending.py, billing/reminders.py through billing/mailer.py)."""

from __future__ import annotations

from collections.abc import Sequence

from ecmp.accounts.selectors import reading_language
from ecmp.billing.mailer import File
from ecmp.billing.models import Invoice
from ecmp.mail.outbound import queue_email


def send_invoice(
    invoice: Invoice, to: Sequence[str], files: Sequence[File], *, reminder: bool
) -> None:
    """One email per address, with the files, in the language of the person behind
    the address when they have an account, else the site's. Written in the caller's
    transaction: the dispatch it records and its emails are kept together or not at all."""
    language_of = reading_language(to)
    template = "invoice_reminder" if reminder else "invoice_sent"
    context = {"invoice": invoice, "amount_due": invoice.amount_due}
    for address in to:
        queue_email(
            kind=template,
            to=address,
            template=template,
            language=language_of(address),
            context=context,
            files=files,
        )
