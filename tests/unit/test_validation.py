"""NHS number, postcode and ODS code checks (sources in passport/validation.py and DOMAIN.md)."""

from __future__ import annotations

import pytest

from passport.validation import (
    format_nhs_number,
    format_postcode,
    gp_ods_code_is_valid,
    nhs_number_is_valid,
    postcode_is_valid,
)


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9876544321", False),  # the NHS's own printed example fails the check digit
        ("9434765918", False),  # one digit changed
        ("943476591", False),  # too short
        ("94347659190", False),  # too long
        ("943476591X", False),
        ("", False),
        ("٩٤٣٤٧٦٥٩١٩", False),  # Arabic-Indic digits: not an NHS number as stored
        ("0000000000", True),  # passes the arithmetic; the NHS never issues it, but the check is the check
        ("0000000060", False),  # the check digit would be 10: never valid
    ],
)
def test_nhs_number_modulus_11(typed, valid):
    assert nhs_number_is_valid(typed) is valid


def test_nhs_number_is_shown_3_3_4():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("typed", "valid", "shown"),
    [
        ("SW1A 1AA", True, "SW1A 1AA"),
        ("sw1a1aa", True, "SW1A 1AA"),
        ("M1 1AE", True, "M1 1AE"),
        ("B33 8TH", True, "B33 8TH"),
        ("CR2 6XH", True, "CR2 6XH"),
        ("DN55 1PT", True, "DN55 1PT"),
        ("GIR 0AA", True, "GIR 0AA"),
        ("AI1 1AA", False, None),  # I is never the second letter
        ("SW1A", False, None),
        ("12345", False, None),
    ],
)
def test_postcodes(typed, valid, shown):
    assert postcode_is_valid(typed) is valid
    if shown:
        assert format_postcode(typed) == shown


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("K81003", True),
        ("k81003", True),
        ("Y05081", True),  # new practices start with Y
        ("K81003001", True),  # a branch surgery
        ("K8100", False),
        ("81003K", False),
        ("RXH", False),  # a trust code is not a GP practice
    ],
)
def test_gp_ods_codes(typed, valid):
    assert gp_ods_code_is_valid(typed) is valid
