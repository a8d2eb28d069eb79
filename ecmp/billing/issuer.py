"""The issuer's details (one row): read for every invoice, changed by admins."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ecmp.accounts.audit import audit_record
from ecmp.accounts.models import AuditEvent, User
from ecmp.billing.identifiers import bic_clean, company_number_clean, iban_clean, vat_number_clean
from ecmp.billing.models import IssuerProfile
from ecmp.core.access import require_admin
from ecmp.tickets.attachments import SNIFF_BYTES, clean_filename, is_dangerous, sniff_content_type

LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg"}
ISSUER_FIELDS = (
    "legal_name",
    "address",
    "vat_number",
    "company_number",
    "iban",
    "bic",
    "email",
    "phone",
    "payment_reference_kind",
)


def issuer_profile_get() -> IssuerProfile:
    """The issuer's details; empty ones (not saved: reads never write) until an admin
    fills them in."""
    return IssuerProfile.objects.filter(pk=1).first() or IssuerProfile(pk=1)


def logo_check(upload: UploadedFile) -> str:
    """The logo's file extension, from its bytes: PNG or JPEG, at most 512 KB, neither a
    program nor a script whatever its name (the upload checks of attachments)."""
    name = clean_filename(upload.name or "")
    size = upload.size or 0
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too big (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(LOGO_MAX_BYTES)},
            code="logo_size",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = LOGO_TYPES.get(sniff_content_type(head if isinstance(head, bytes) else head.encode()))
    if kind is None or is_dangerous(name, upload):
        raise ValidationError(_("A logo is a PNG or JPEG image."), code="logo_type")
    return kind


@transaction.atomic
def issuer_profile_update(
    *, by: User, values: dict[str, Any], logo: UploadedFile | None = None, remove_logo: bool = False
) -> IssuerProfile:
    """Save the issuer's details; invoices already issued keep the ones they were issued
    with. A new logo is a new file: the old one stays for the invoices that show it."""
    require_admin(by)
    cleaned = {name: values.get(name, "") for name in ISSUER_FIELDS}
    errors: dict[str, list[ValidationError]] = {}
    for name, check in (
        ("vat_number", vat_number_clean),
        ("company_number", company_number_clean),
        ("iban", iban_clean),
        ("bic", bic_clean),
    ):
        try:
            cleaned[name] = check(cleaned[name])
        except ValidationError as error:
            errors[name] = [error]
    kind = ""
    if logo is not None:
        try:
            kind = logo_check(logo)
        except ValidationError as error:
            errors["logo"] = [error]
    if errors:
        raise ValidationError(errors)
    profile = IssuerProfile.objects.select_for_update().filter(pk=1).first() or IssuerProfile(pk=1)
    before = {name: getattr(profile, name) for name in cleaned}
    before["logo"] = profile.logo.name or ""
    for name, value in cleaned.items():
        setattr(profile, name, value)
    if logo is not None:
        profile.logo.save(f"{uuid.uuid4().hex}.{kind}", logo, save=False)
    elif remove_logo:
        profile.logo = ""
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile.save()
    after = {name: getattr(profile, name) for name in cleaned}
    after["logo"] = profile.logo.name or ""
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changes:
        audit_record(AuditEvent.Kind.ISSUER_CHANGED, actor=by, target=profile, changes=changes)
    return profile
