"""An invoice as a PDF (reportlab) and as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ecmp.billing import pdf_parts
from ecmp.billing.activity_names import activity_label
from ecmp.billing.duration import format_duration
from ecmp.billing.einvoice import fonts
from ecmp.billing.models import Invoice, InvoiceLine


def _title(invoice: Invoice) -> str:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        return _("Credit note %(number)s (cancels invoice %(original)s)") % {
            "number": invoice.number,
            "original": invoice.cancels.number if invoice.cancels else "",
        }
    return _("Invoice %(number)s") % {"number": invoice.number}


def invoice_pdf(invoice: Invoice, language: str) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    fonts.embed_fonts(styles)  # PDF/A (the Factur-X PDF) embeds every font
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    with translation.override(language):
        story = [
            pdf_parts.parties(invoice, styles),
            Spacer(1, 4 * mm),
            Paragraph(_escape(_title(invoice)), styles["Heading2"]),
            pdf_parts.dates(invoice, styles),
            Spacer(1, 5 * mm),
        ]
        rows: list[list[Any]] = [[_("Date"), _("Agent"), _("Work"), _("Time"), _("Amount")]]
        style: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]

        def heading(text: str) -> None:
            rows.append([Paragraph(text, small), "", "", "", ""])
            style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.whitesmoke))

        current = None
        subtotal = Decimal(0)
        lines = list(invoice.lines.select_related("pack"))
        for index, line in enumerate(lines):
            if line.ticket_number != current:
                current, subtotal = line.ticket_number, Decimal(0)
                heading(
                    f"<b>{line.ticket_number}</b> — {_escape(line.ticket_subject)} "
                    f"({_escape(line.requester_name)})"
                )
            subtotal += line.amount
            rows.append(
                [
                    formats.date_format(line.date, "SHORT_DATE_FORMAT"),
                    Paragraph(_escape(line.agent_name), small),
                    Paragraph(_work(line), small),
                    format_duration(line.billed_minutes),
                    _money(line.amount, invoice.currency),
                ]
            )
            last_of_ticket = index + 1 == len(lines) or lines[index + 1].ticket_number != current
            if last_of_ticket:
                rows.append(
                    [
                        "",
                        "",
                        _("Subtotal %(number)s") % {"number": current},
                        "",
                        _money(subtotal, invoice.currency),
                    ]
                )
        items = list(invoice.items.all())
        if items:
            heading(f"<b>{_escape(_('Other charges'))}</b>")
        for item in items:
            rows.append(
                [
                    formats.date_format(item.date, "SHORT_DATE_FORMAT"),
                    "",
                    Paragraph(
                        _escape(
                            _("%(description)s: %(quantity)s x %(price)s (VAT %(rate)s %%)")
                            % {
                                "description": item.description,
                                "quantity": formats.number_format(Decimal(item.quantity_text)),
                                "price": _money(item.unit_price, invoice.currency),
                                "rate": item.vat_rate,
                            }
                        ),
                        small,
                    ),
                    "",
                    _money(item.amount, invoice.currency),
                ]
            )
        rows += pdf_parts.vat_rows(invoice)
        table = Table(rows, colWidths=[22 * mm, 32 * mm, 70 * mm, 20 * mm, 36 * mm], repeatRows=1)
        table.setStyle(TableStyle(style))
        story.append(table)
        story.append(Spacer(1, 6 * mm))
        story += pdf_parts.payment(invoice, styles)
        SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=_title(invoice),
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            # Written on every page even if no text uses it: not Helvetica (PDF/A).
            initialFontName=fonts.REGULAR,
        ).build(story)
    return buffer.getvalue()


_escape = pdf_parts.esc
_money = pdf_parts.money


def _work(line: InvoiceLine) -> str:
    """The work done; time drawn from a prepaid pack says so (its amount is 0)."""
    work = _escape(f"{activity_label(line.activity)}: {line.description}".strip(": "))
    if line.pack is None:
        return work
    drawn = _("%(time)s from prepaid hours (pack of %(day)s)") % {
        "time": format_duration(line.billed_minutes),
        "day": formats.date_format(line.pack.sold_on, "SHORT_DATE_FORMAT"),
    }
    return f"{work}<br/><i>{_escape(drawn)}</i>"


def invoice_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "invoice",
            "ticket",
            "subject",
            "requester",
            "date",
            "agent",
            "activity",
            "description",
            "minutes",
            "billed_minutes",
            "hourly_rate",
            "amount",
            "currency",
            # Issue 19 §2: the sale date of the pack a line's time was drawn from.
            "prepaid_pack",
        ]
    )
    for line in invoice.lines.select_related("pack"):
        writer.writerow(
            [
                invoice.number,
                line.ticket_number,
                _safe(line.ticket_subject),
                _safe(line.requester_name),
                line.date.isoformat(),
                _safe(line.agent_name),
                _safe(line.activity),
                _safe(line.description),
                line.minutes,
                line.billed_minutes,
                line.hourly_rate,
                line.amount,
                invoice.currency,
                line.pack.sold_on.isoformat() if line.pack is not None else "",
            ]
        )
    for item in invoice.items.all():
        writer.writerow(
            [
                invoice.number,
                "",
                "charge",
                "",
                item.date.isoformat(),
                "",
                "",
                _safe(item.description),
                item.quantity,
                "",
                item.unit_price,
                item.amount,
                invoice.currency,
                "",
            ]
        )
    blanks = [""] * 8
    for total in invoice.vat_totals.all():
        for label, amount in ((f"net_{total.rate}", total.net), (f"vat_{total.rate}", total.vat)):
            writer.writerow([invoice.number, "", label, *blanks, amount, invoice.currency, ""])
    for label, amount in (
        ("total_net", invoice.total_net),
        ("total_vat", invoice.total_vat),
        ("total_gross", invoice.total_gross),
    ):
        writer.writerow([invoice.number, "", label, *blanks, amount, invoice.currency, ""])
    return out.getvalue()


def _safe(value: str) -> str:
    """No spreadsheet formula injection: a cell never starts with = + - @."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
