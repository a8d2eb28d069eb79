"""Payment references derived from an invoice number, with their check digits:
the Belgian structured communication (OGM-VCS, mod 97) and the ISO 11649 creditor
reference (RF, ISO 7064 mod 97-10), both through python-stdnum."""

from __future__ import annotations

from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.iso7064 import mod_97_10

OGM = "ogm"
RF = "rf"


def reference_base(number: str) -> str:
    """Ten digits from an invoice number "2026-0012": the year, then the sequence on
    six digits (2026000012). Invoice numbers are unique, and so are their bases."""
    year, _sep, sequence = number.partition("-")
    if not (year.isdigit() and sequence.isdigit() and len(year) == 4 and len(sequence) <= 6):
        raise ValueError(f"not an invoice number: {number!r}")
    return f"{year}{int(sequence):06d}"


def ogm_for(base: str) -> str:
    """The twelve digits of a structured communication: the base and its mod-97 check."""
    return base + ogm_vcs.calc_check_digits(base)


def rf_for(base: str) -> str:
    """RF, two check digits, the base: the check moves RF00 to the end (ISO 11649)."""
    return f"RF{mod_97_10.calc_check_digits(base + 'RF')}{base}"


def payment_reference(kind: str, number: str) -> str:
    """The compact reference of the given kind for an invoice number."""
    base = reference_base(number)
    reference = rf_for(base) if kind == RF else ogm_for(base)
    # The library's own check, so a wrong computation can never reach a client.
    (iso11649 if kind == RF else ogm_vcs).validate(reference)
    return reference


def reference_display(kind: str, reference: str) -> str:
    """+++202/6000/01294+++ or RF18 5390 0754 7034, as a client types it."""
    if not reference:
        return ""
    if kind == RF:
        return str(iso11649.format(reference))
    return f"+++{ogm_vcs.format(reference)}+++"


def reference_is_valid(kind: str, reference: str) -> bool:
    return bool((iso11649 if kind == RF else ogm_vcs).is_valid(reference))
