"""An invoice emailed to its client's billing contacts, and its reminders."""

from __future__ import annotations

from collections.abc import Sequence

from ecmp.billing.mailer import File
from ecmp.billing.models import Invoice


def send_invoice(
    invoice: Invoice, to: Sequence[str], files: Sequence[File], *, reminder: bool
) -> None:
    raise NotImplementedError("issue 19 §5, in progress")
