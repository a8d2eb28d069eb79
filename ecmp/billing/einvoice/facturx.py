"""The Factur-X PDF of an issued invoice: the invoice's PDF (embedded fonts, an sRGB
output intent) made PDF/A-3 by the `factur-x` library, which attaches the EN 16931
CII XML as factur-x.xml and writes the XMP metadata, checking the XML against the
Factur-X EN 16931 schema on the way."""

from __future__ import annotations

import functools
import io

import facturx  # type: ignore[import-untyped]
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import ImageCms
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from ecmp.billing.documents import invoice_pdf
from ecmp.billing.einvoice.cii import invoice_cii
from ecmp.billing.models import Invoice

SRGB = "sRGB IEC61966-2.1"


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, made by Pillow's LittleCMS (no file to ship). LittleCMS
    labels it version 4.4; PDF/A-3 accepts ICC profiles up to ISO 15076-1 (4.2), whose
    tags this profile uses, so the header says 4.2 (and the optional profile ID, a
    checksum of the header, is cleared)."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[8:12] = bytes([4, 0x20, 0, 0])
    data[84:100] = bytes(16)
    return bytes(data)


def with_output_intent(pdf: bytes) -> bytes:
    """PDF/A wants an output intent saying what the document's RGB colours mean."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(SRGB),
            NameObject("/Info"): TextStringObject(SRGB),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def invoice_facturx(invoice: Invoice, language: str) -> bytes:
    """The Factur-X PDF (EN 16931 profile) of an issued invoice or credit note."""
    xml = invoice_cii(invoice, language)
    with translation.override(language):
        kind = _("Credit note") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice")
    issuer = invoice.issuer_name or invoice.organization.name
    return bytes(
        facturx.generate_from_binary(
            with_output_intent(invoice_pdf(invoice, language)),
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata={
                "author": issuer,
                "keywords": "Factur-X, Invoice",
                "title": f"{issuer}: {kind} {invoice.number}",
                "subject": f"Factur-X {kind} {invoice.number}",
            },
            lang=language,
        )
    )
