"""The NHS number: ten digits whose last is a modulus-11 check digit, written 3-3-4.

The Children's Wellbeing and Schools Act 2026 makes it the consistent identifier for
children, so it is checked wherever it enters caselink (a load, a form, a search) and shown
the one way people read it ("943 476 5919"). A number failing its check digit is kept as the
agency holds it but is never evidence: one mistyped digit must not link two children.
"""

import re

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = re.compile(r"[\s\-]")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the remainder gives 10 (never issued)."""
    total = sum(int(c) * w for c, w in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def digits(value: str) -> str:
    """The number without the spaces and hyphens people write it with."""
    return _SEPARATORS.sub("", value.strip())


def problem(value: str) -> str | None:
    """What is wrong with `value` as an NHS number, in words to act on, or None if it is one."""
    number = digits(value)
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return "must be 10 digits, like 943 476 5919"
    if check_digit(number[:9]) != int(number[9]):
        return f"{display(number)} fails its check digit: check it was copied correctly"
    return None


def is_valid(value: str) -> bool:
    """True if `value` (spaces and hyphens allowed) is ten digits with a correct check digit."""
    return problem(value) is None


def valid_or_none(value: str | None) -> str | None:
    """Ten digits, or None when missing or failing its check digit (no evidence either way)."""
    if not value:
        return None
    number = digits(value)
    return number if is_valid(number) else None


def display(value: str | None) -> str:
    """3-3-4 ("943 476 5919") for ten digits; anything else as it was recorded."""
    if not value:
        return ""
    number = digits(value)
    if len(number) == 10 and number.isdigit():
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return value.strip()
