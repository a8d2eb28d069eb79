"""Payment references with their check digits (Belgian OGM-VCS, ISO 11649 RF) and the
EPC QR payload (EPC069-12) of an invoice."""

from decimal import Decimal

import pytest
from segno import helpers
from stdnum import iso11649
from stdnum.be import ogm_vcs

from ecmp.billing import services
from ecmp.billing.epc import epc_fields, epc_payload
from ecmp.billing.references import (
    payment_reference,
    reference_base,
    reference_display,
    reference_is_valid,
)
from tests.factories import make_ticket
from tests.invoices_data import issue, log_time, make_issuer, set_rate, today


def test_the_base_is_the_year_and_the_sequence_on_six_digits():
    assert reference_base("2026-0012") == "2026000012"
    assert reference_base("2026-123456") == "2026123456"
    with pytest.raises(ValueError):
        reference_base("2026-1234567")


def test_ogm_check_digits_are_the_mod_97_of_the_base():
    # 2026000012 mod 97 = 6: the check digits are 06.
    assert int("2026000012") % 97 == 6
    assert payment_reference("ogm", "2026-0012") == "202600001206"
    assert reference_display("ogm", "202600001206") == "+++202/6000/01206+++"
    # The library's own examples, and a wrong digit refused.
    assert reference_is_valid("ogm", ogm_vcs.compact("+++010/8068/17183+++"))
    assert not reference_is_valid("ogm", "010806817180")
    assert not reference_is_valid("ogm", "202600001207")


def test_a_remainder_of_zero_gives_97():
    # A base that 97 divides: its check digits are 97, never 00.
    base = next(str(n) for n in range(2026000000, 2026000200) if n % 97 == 0)
    assert payment_reference("ogm", f"2026-{int(base[4:]):04d}").endswith("97")


def test_rf_check_digits_per_iso_11649():
    reference = payment_reference("rf", "2026-0012")
    assert reference == "RF362026000012"
    assert iso11649.is_valid(reference)
    assert reference_display("rf", reference) == "RF36 2026 0000 12"
    assert reference_is_valid("rf", "RF18539007547034")  # the library's example
    assert not reference_is_valid("rf", "RF17539007547034")
    assert not reference_is_valid("rf", "RF362026000013")


def test_the_epc_payload_is_exactly_epc069_12(acme, alice, agnes, adam):
    set_rate(acme)
    make_issuer(adam, with_logo=False)
    log_time(make_ticket(alice), agnes, 60)  # 80.00 + 21 % = 96.80
    invoice = issue(adam, acme)
    fields = epc_fields(invoice)
    reference = f"{today().year}000001" + f"{int(f'{today().year}000001') % 97 or 97:02d}"
    assert invoice.payment_reference == reference
    expected = "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            "GKCCBEBB",
            "Support Services SRL",
            "BE71096123456769",
            "EUR96.8",
            "",
            reference,
        ]
    )
    assert epc_payload(fields) == expected
    # What segno encodes in the image is that same payload.
    assert helpers._make_epc_qr_data(**fields).decode("utf-8") == expected


def test_no_qr_code_without_iban_in_another_currency_or_on_a_credit_note(acme, alice, agnes, adam):
    set_rate(acme)
    log_time(make_ticket(alice), agnes, 60)
    no_iban = issue(adam, acme)
    assert no_iban.issuer_iban == "" and epc_fields(no_iban) is None
    make_issuer(adam, with_logo=False)
    credit = services.invoice_cancel(by=adam, invoice=no_iban)
    assert epc_fields(credit) is None
    again = issue(adam, acme)
    assert epc_fields(again)["amount"] == Decimal("96.80")
    again.currency = "USD"
    assert epc_fields(again) is None


def test_rf_references_when_the_issuer_chooses_them(acme, alice, agnes, adam):
    set_rate(acme)
    make_issuer(adam, with_logo=False, payment_reference_kind="rf")
    log_time(make_ticket(alice), agnes, 60)
    invoice = issue(adam, acme)
    assert invoice.payment_reference.startswith("RF") and iso11649.is_valid(
        invoice.payment_reference
    )
    assert epc_fields(invoice)["reference"] == invoice.payment_reference
