"""Shared data for the invoice tests: an issuer, contracts, time and charges."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecmp.billing import services
from ecmp.billing.charges import charge_add
from ecmp.billing.issuer import issuer_profile_update
from ecmp.billing.models import ActivityType
from ecmp.billing.selectors import billing_profile_for
from ecmp.sla.models import Contract

IBAN = "BE71096123456769"
BIC = "GKCCBEBB"


def today() -> date:
    """The local date when called. Not a module constant: a constant read at import
    is yesterday for a test run that crosses midnight in Europe/Paris (23:00 UTC in
    winter), while the code under test reads the new day."""
    return timezone.localdate()


def month_start() -> date:
    """The first day of today()'s month, read when called (see today())."""
    return today().replace(day=1)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    segno.make("logo").save(buffer, kind="png", scale=2)
    return buffer.getvalue()


def logo_upload(name: str = "logo.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, "image/png")


ISSUER = {
    "legal_name": "Support Services SRL",
    "address": "Rue de la Loi 16\n1000 Bruxelles",
    "vat_number": "BE 0403.170.701",
    "company_number": "0403.170.701",
    "iban": "BE71 0961 2345 6769",
    "bic": BIC,
    "email": "billing@support.test",
    "phone": "+32 2 123 45 67",
    "payment_reference_kind": "ogm",
}


def make_issuer(admin, *, with_logo: bool = True, **changes):
    return issuer_profile_update(
        by=admin, values={**ISSUER, **changes}, logo=logo_upload() if with_logo else None
    )


def make_contract(organization, *, starts_on: date | None = None, **values) -> Contract:
    values.setdefault("billing_address", "Avenue Louise 1\n1050 Ixelles")
    values.setdefault("vat_number", "BE0428759497")
    values.setdefault("payment_terms_days", 45)
    return Contract.objects.create(
        organization=organization, starts_on=starts_on or date(today().year - 1, 1, 1), **values
    )


def set_rate(organization, hourly_rate: str = "80.00", rounding: int = 15) -> None:
    profile = billing_profile_for(organization)
    profile.hourly_rate = Decimal(hourly_rate)
    profile.rounding_minutes = rounding
    profile.save()


def log_time(ticket, agent, minutes: int, day: date | None = None, text: str = "Work"):
    return services.time_entry_create(
        ticket=ticket,
        agent=agent,
        day=day or today(),
        minutes=minutes,
        activity_type=ActivityType.objects.get(name="Support"),
        description=text,
    )


def add_charge(by, organization, description, quantity, unit_price, vat_rate, day=None):
    return charge_add(
        by=by,
        organization=organization,
        day=day or today(),
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        vat_rate=Decimal(vat_rate),
    )


def issue(admin, organization, start: date | None = None, end: date | None = None):
    return services.invoice_issue(
        by=admin, organization=organization, start=start or month_start(), end=end or today()
    )
