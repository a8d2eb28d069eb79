"""Checking the numbers on an invoice's header: company numbers with python-stdnum,
IBAN and BIC with schwifty; VAT numbers as the contracts check them (one rule for
both, `sla.contracts.vat_number_clean`). Each returns the compact form or refuses
with a message for the person typing it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.be import vat as be_enterprise
from stdnum.fr import siren, siret

from ecmp.sla.contracts import vat_number_clean

__all__ = ["bic_clean", "company_number_clean", "iban_clean", "vat_number_clean"]


def company_number_clean(value: str) -> str:
    """A Belgian enterprise number (0403.170.701), a French SIREN or SIRET."""
    value = (value or "").strip()
    if not value:
        return ""
    for module in (be_enterprise, siren, siret):
        try:
            return str(module.validate(value))
        except stdnum_errors.ValidationError:
            continue
    raise ValidationError(
        _("This is not a valid company number (a Belgian enterprise number, a SIREN or a SIRET)."),
        code="company_number",
    )


def iban_clean(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError):
        raise ValidationError(_("This is not a valid IBAN."), code="iban") from None


def bic_clean(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(BIC(value).compact)
    except (SchwiftyException, ValueError):
        raise ValidationError(_("This is not a valid BIC."), code="bic") from None
