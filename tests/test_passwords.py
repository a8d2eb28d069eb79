"""The password rules of SPEC section 1, each failing with its own message."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from ecmp.accounts.passwords import (
    DigitValidator,
    LowercaseValidator,
    SpecialCharacterValidator,
    UppercaseValidator,
)


def messages_for(password):
    try:
        validate_password(password)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!xyz", "at least 8 characters"),
        ("ABCDEFG1!", "lowercase letter"),
        ("abcdefg1!", "uppercase letter"),
        ("Zebulonqx!", "digit"),
        ("Zebulonqx7", "special character"),
    ],
)
def test_each_missing_rule_has_its_own_message(password, expected):
    found = messages_for(password)
    assert len(found) == 1, found
    assert expected in found[0]


def test_a_password_missing_everything_lists_every_rule():
    found = " ".join(messages_for("      "))
    for words in ("8 characters", "lowercase", "uppercase", "digit", "special"):
        assert words in found


def test_a_good_password_passes():
    assert messages_for("Tr0mb0ne-Sunset") == []


def test_the_messages_exist_in_french():
    with translation.override("fr"):
        found = " ".join(messages_for("abcdefgh"))
    assert "majuscule" in found
    assert "chiffre" in found
    assert "caractère spécial" in found


def test_accented_letters_count_as_letters():
    LowercaseValidator().validate("ÉÀé")
    UppercaseValidator().validate("éÉ")


@given(st.text(max_size=40))
def test_validators_never_crash_and_agree_with_their_rule(password):
    checks = [
        (LowercaseValidator(), any(c.islower() and c.isascii() for c in password)),
        (UppercaseValidator(), any(c.isupper() and c.isascii() for c in password)),
        (DigitValidator(), any(c.isdigit() and c.isascii() for c in password)),
    ]
    for validator, has_it in checks:
        if has_it:
            validator.validate(password)
    if any(not (c.isalnum() or c.isspace()) for c in password):
        SpecialCharacterValidator().validate(password)
