"""The blocks of an invoice's PDF around its lines: the parties at the top, the VAT
per rate, the payment details and the EPC QR code at the bottom. Everything comes
from the invoice itself (its copied details), never from today's settings."""

from __future__ import annotations

import contextlib
import io
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Table, TableStyle

from ecmp.billing.einvoice.fonts import REGULAR
from ecmp.billing.epc import epc_fields, epc_qr_png
from ecmp.billing.models import Invoice
from ecmp.billing.references import reference_display
from ecmp.billing.vat import REVERSE_CHARGE_MENTION

LOGO_BOX = (50 * mm, 22 * mm)


def esc(text: str) -> str:
    """Text as ReportLab's paragraph markup reads it literally: every piece of text
    given to a Paragraph goes through here (a client named "<b>Acme & <Sons>" would
    otherwise be parsed as tags, or fail the whole document)."""
    return escape(text or "")


def money(value: Any, currency: str) -> str:
    return f"{formats.number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


def _lines(*parts: str) -> str:
    return "<br/>".join(esc(part) for part in parts if part)


def _logo(invoice: Invoice) -> Flowable | None:
    if not invoice.issuer_logo:
        return None
    with contextlib.suppress(OSError, ValueError), default_storage.open(invoice.issuer_logo) as f:
        return Image(io.BytesIO(f.read()), *LOGO_BOX, kind="proportional", hAlign="LEFT")
    return None


def parties(invoice: Invoice, styles: Any) -> Table:
    body = styles["BodyText"]
    issuer = [
        Paragraph(f"<b>{esc(invoice.issuer_name or settings.ECMP_COMPANY_NAME)}</b>", body),
        Paragraph(
            _lines(
                *invoice.issuer_address.splitlines(),
                _("VAT %(number)s") % {"number": invoice.issuer_vat_number}
                if invoice.issuer_vat_number
                else "",
                _("Company number %(number)s") % {"number": invoice.issuer_company_number}
                if invoice.issuer_company_number
                else "",
                invoice.issuer_email,
                invoice.issuer_phone,
            ),
            body,
        ),
    ]
    logo = _logo(invoice)
    if logo is not None:
        issuer.insert(0, logo)
    client = [
        Paragraph(f"<b>{esc(invoice.client_name or invoice.organization.name)}</b>", body),
        Paragraph(
            _lines(
                *invoice.client_address.splitlines(),
                _("VAT %(number)s") % {"number": invoice.client_vat_number}
                if invoice.client_vat_number
                else "",
            ),
            body,
        ),
    ]
    table = Table([[issuer, client]], colWidths=[95 * mm, 85 * mm])
    # A table sets its cells' font even around paragraphs: the embedded one (PDF/A).
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), REGULAR)])
    )
    return table


def dates(invoice: Invoice, styles: Any) -> Paragraph:
    def day(value: Any) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""

    parts = [
        _("Issue date: %(date)s") % {"date": day(invoice.issue_date or invoice.issued_at)},
        _("Period: %(start)s to %(end)s")
        % {"start": day(invoice.period_start), "end": day(invoice.period_end)},
    ]
    if invoice.due_date:
        parts.append(_("Due date: %(date)s") % {"date": day(invoice.due_date)})
    return Paragraph(esc(" — ".join(parts)), styles["BodyText"])


def vat_rows(invoice: Invoice) -> list[list[str]]:
    """The per-rate subtotals and VAT, then the totals: rows of the lines' table."""
    rows = []
    for total in invoice.vat_totals.all():
        rows.append(
            [
                "",
                "",
                _("Subtotal at %(rate)s %% VAT") % {"rate": total.rate},
                "",
                money(total.net, invoice.currency),
            ]
        )
        rows.append(
            [
                "",
                "",
                _("VAT %(rate)s %%") % {"rate": total.rate},
                "",
                money(total.vat, invoice.currency),
            ]
        )
    rows += [
        ["", "", _("Total without VAT"), "", money(invoice.total_net, invoice.currency)],
        ["", "", _("Total VAT"), "", money(invoice.total_vat, invoice.currency)],
        ["", "", _("Total with VAT"), "", money(invoice.total_gross, invoice.currency)],
    ]
    return rows


def payment(invoice: Invoice, styles: Any) -> list[Flowable]:
    body = styles["BodyText"]
    story: list[Flowable] = []
    if invoice.reverse_charge:
        story.append(Paragraph(f"<b>{esc(str(REVERSE_CHARGE_MENTION))}</b>", body))
    if invoice.kind != Invoice.Kind.INVOICE:
        return story
    text = []
    if invoice.payment_reference:
        reference = reference_display(invoice.payment_reference_kind, invoice.payment_reference)
        text.append(_("Payment reference: %(reference)s") % {"reference": reference})
    if invoice.issuer_iban:
        text.append(_("IBAN: %(iban)s") % {"iban": invoice.issuer_iban})
    if invoice.issuer_bic:
        text.append(_("BIC: %(bic)s") % {"bic": invoice.issuer_bic})
    if invoice.due_date:
        text.append(
            _("To be paid by %(date)s.")
            % {"date": formats.date_format(invoice.due_date, "SHORT_DATE_FORMAT")}
        )
    paragraph = Paragraph(_lines(*text), body)
    fields = epc_fields(invoice)
    if fields is None:
        story.append(paragraph)
        return story
    qr = Image(io.BytesIO(epc_qr_png(fields)), 32 * mm, 32 * mm)
    caption = Paragraph(esc(_("Scan with your banking app to pay.")), styles["BodyText"])
    table = Table([[paragraph, [qr, caption]]], colWidths=[130 * mm, 50 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("BOX", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    story.append(table)
    return story
