"""Embedded fonts for the invoice PDF. PDF/A (so Factur-X) forbids the 14 standard
fonts ReportLab uses by default, which a PDF names without embedding: the invoice
uses Bitstream Vera, the TrueType family that ships inside ReportLab itself (so no
system font is needed), embedded as subsets."""

from __future__ import annotations

import functools

from reportlab.lib.styles import StyleSheet1
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR, BOLD, ITALIC, BOLD_ITALIC = "Vera", "VeraBd", "VeraIt", "VeraBI"
# The standard fonts of ReportLab's sample styles and their embedded replacements.
REPLACEMENTS = {
    "Helvetica": REGULAR,
    "Helvetica-Bold": BOLD,
    "Helvetica-Oblique": ITALIC,
    "Helvetica-BoldOblique": BOLD_ITALIC,
    "Times-Roman": REGULAR,
    "Times-Bold": BOLD,
    "Times-Italic": ITALIC,
    "Times-BoldItalic": BOLD_ITALIC,
    "Courier": REGULAR,
    "Courier-Bold": BOLD,
    "Courier-Oblique": ITALIC,
    "Courier-BoldOblique": BOLD_ITALIC,
}


@functools.cache
def register() -> None:
    """Register the family once per process (<b> and <i> in paragraphs find its faces)."""
    for name in (REGULAR, BOLD, ITALIC, BOLD_ITALIC):
        pdfmetrics.registerFont(TTFont(name, f"{name}.ttf"))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
    )


def embed_fonts(styles: StyleSheet1) -> None:
    """Switch a stylesheet's paragraph styles to the embedded family."""
    register()
    for style in styles.byName.values():
        name = getattr(style, "fontName", None)
        if name in REPLACEMENTS:
            style.fontName = REPLACEMENTS[name]
