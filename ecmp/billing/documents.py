"""An invoice as a PDF (reportlab) and as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ecmp.billing.duration import format_duration
from ecmp.billing.models import Invoice


def _money(value, currency: str) -> str:
    return f"{formats.number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}"


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
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    with translation.override(language):
        story = [
            Paragraph(_escape(settings.ECMP_COMPANY_NAME), styles["Title"]),
            Paragraph(_escape(_title(invoice)), styles["Heading2"]),
            Paragraph(
                _escape(
                    _("Client: %(name)s — period %(start)s to %(end)s — issued %(date)s")
                    % {
                        "name": invoice.organization.name,
                        "start": formats.date_format(invoice.period_start, "SHORT_DATE_FORMAT"),
                        "end": formats.date_format(invoice.period_end, "SHORT_DATE_FORMAT"),
                        "date": formats.date_format(invoice.issued_at, "SHORT_DATE_FORMAT"),
                    }
                ),
                styles["BodyText"],
            ),
            Spacer(1, 6 * mm),
        ]
        rows = [[_("Date"), _("Agent"), _("Work"), _("Time"), _("Amount")]]
        style = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        current = None
        subtotal = Decimal(0)
        lines = list(invoice.lines.all())
        for index, line in enumerate(lines):
            if line.ticket_number != current:
                current, subtotal = line.ticket_number, Decimal(0)
                rows.append(
                    [
                        Paragraph(
                            f"<b>{line.ticket_number}</b> — {_escape(line.ticket_subject)} "
                            f"({_escape(line.requester_name)})",
                            small,
                        ),
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
                style.append(
                    ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.whitesmoke)
                )
            subtotal += line.amount
            rows.append(
                [
                    formats.date_format(line.date, "SHORT_DATE_FORMAT"),
                    Paragraph(_escape(line.agent_name), small),
                    Paragraph(_escape(f"{line.activity}: {line.description}".strip(": ")), small),
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
        rows += [
            ["", "", _("Total without VAT"), "", _money(invoice.total_net, invoice.currency)],
            [
                "",
                "",
                _("VAT %(rate)s %%") % {"rate": invoice.vat_rate},
                "",
                _money(invoice.total_vat, invoice.currency),
            ],
            ["", "", _("Total with VAT"), "", _money(invoice.total_gross, invoice.currency)],
        ]
        table = Table(rows, colWidths=[22 * mm, 32 * mm, 70 * mm, 20 * mm, 30 * mm], repeatRows=1)
        table.setStyle(TableStyle(style))
        story.append(table)
        SimpleDocTemplate(
            buffer, pagesize=A4, title=_title(invoice), leftMargin=15 * mm, rightMargin=15 * mm
        ).build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    """Text as ReportLab's paragraph markup reads it literally: every piece of text
    given to a Paragraph goes through here (a client named "<b>Acme & <Sons>" would
    otherwise be parsed as tags, or fail the whole document)."""
    return escape(text or "")


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
        ]
    )
    for line in invoice.lines.all():
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
            ]
        )
    blanks = [""] * 8
    for label, amount in (
        ("total_net", invoice.total_net),
        ("total_vat", invoice.total_vat),
        ("total_gross", invoice.total_gross),
    ):
        writer.writerow([invoice.number, "", label, *blanks, amount, invoice.currency])
    return out.getvalue()


def _safe(value: str) -> str:
    """No spreadsheet formula injection: a cell never starts with = + - @."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
