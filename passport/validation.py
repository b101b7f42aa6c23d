"""Checks for the identifiers a passport holds: NHS number, postcode, ODS code. Pure functions.

Sources: NHS Data Dictionary "NHS Number" (Modulus 11 check digit); ONS postcode format; NHS ODS code
formats. See ../shared/DOMAIN.md.
"""

from __future__ import annotations

import re

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_POSTCODE = re.compile(r"\A([A-Z][A-HJ-Y]?[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0A{2})\Z")
# GP practice codes are a letter and five digits; branch surgeries add three more digits.
_GP_ODS = re.compile(r"\A[A-Z][0-9]{5}([0-9]{3})?\Z")


def normalise_nhs_number(typed: str) -> str:
    """Digits only: people type NHS numbers with spaces or dashes (943 476 5919, 943-476-5919)."""
    return "".join(ch for ch in typed if not ch.isspace() and ch != "-")


def nhs_number_is_valid(typed: str) -> bool:
    digits = normalise_nhs_number(typed)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(digits[9])


def format_nhs_number(number: str) -> str:
    """3-3-4, the way it is printed on NHS letters."""
    digits = normalise_nhs_number(number)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else number


def normalise_postcode(typed: str) -> str:
    return "".join(typed.split()).upper()


def postcode_is_valid(typed: str) -> bool:
    return bool(_POSTCODE.match(normalise_postcode(typed)))


def format_postcode(typed: str) -> str:
    """One space before the last three characters: SW1A 1AA."""
    code = normalise_postcode(typed)
    return f"{code[:-3]} {code[-3:]}" if len(code) > 3 else code


def normalise_ods_code(typed: str) -> str:
    return "".join(typed.split()).upper()


def gp_ods_code_is_valid(typed: str) -> bool:
    return bool(_GP_ODS.match(normalise_ods_code(typed)))
