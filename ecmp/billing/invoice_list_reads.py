"""The desk's invoices page (admins): how many invoices there are, counted by a
statement compiled once per process (core/prepared.py) rather than by the ORM on each
view (the list itself, when there is one, is read through the ORM)."""

from __future__ import annotations

from ecmp.accounts.models import User
from ecmp.billing.models import Invoice
from ecmp.core.access import require_admin
from ecmp.core.prepared import Counted

_ALL = Counted(lambda: Invoice.objects.order_by().values("pk"), ())


def invoice_count_for_admin(user: User) -> int:
    """Every invoice and credit note (what `invoices_visible_to` gives an admin)."""
    require_admin(user)
    return int(_ALL.rows()[0][0])
