"""Writes of free lines (travel, hardware, fixed fees) waiting for a client's next
invoice: staff add them, and remove them while no invoice lists them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ecmp.accounts.models import Organization, User
from ecmp.billing.models import Charge
from ecmp.core.access import require_staff

QUANTITY_MAX = Decimal("1000000")
UNIT_PRICE_MAX = Decimal("10000000")


@transaction.atomic
def charge_add(
    *,
    by: User,
    organization: Organization,
    day: date,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    vat_rate: Decimal,
) -> Charge:
    require_staff(by)
    description = (description or "").replace("\x00", "").strip()[:300]
    if not description:
        raise ValidationError(_("Describe what is charged."), code="description")
    if not Decimal(0) < quantity < QUANTITY_MAX:
        raise ValidationError(_("The quantity must be more than 0."), code="quantity")
    if not abs(unit_price) < UNIT_PRICE_MAX:
        raise ValidationError(_("The unit price is too large."), code="unit_price")
    if not Decimal(0) <= vat_rate <= Decimal(100):
        raise ValidationError(_("A VAT rate is between 0 and 100 %."), code="vat_rate")
    return Charge.objects.create(
        organization=organization,
        date=day,
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        vat_rate=vat_rate,
        created_by=by,
    )


@transaction.atomic
def charge_remove(*, by: User, charge: Charge) -> None:
    require_staff(by)
    locked = Charge.objects.select_for_update().get(pk=charge.pk)
    if locked.invoice_id is not None:
        raise ValidationError(
            _("This charge is on an invoice: it can no longer be removed."), code="invoiced"
        )
    locked.delete()
