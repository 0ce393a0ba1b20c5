"""NHS numbers: ten digits whose last is a modulus-11 check digit.

Synthetic numbers start with 9, a range the NHS does not issue to patients.
"""

from __future__ import annotations

import random

from caselink.synth.ids import Scramble

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = str.maketrans("", "", " -")


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when the remainder gives 10 (never issued)."""
    total = sum(int(c) * w for c, w in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid_nhs_number(s: str) -> bool:
    """True if ``s`` (spaces and hyphens allowed) is ten digits with a correct check digit."""
    digits = s.translate(_SEPARATORS)
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    return check_digit(digits[:9]) == int(digits[9])


class NhsNumbers:
    """Issues unique, valid, clearly synthetic NHS numbers (9xx xxx xxxx)."""

    __slots__ = ("_next", "_scramble")

    def __init__(self, rng: random.Random) -> None:
        self._scramble = Scramble(10**8, rng)
        self._next = 0

    def issue(self) -> str:
        while True:
            first_nine = str(900_000_000 + self._scramble(self._next))
            self._next += 1
            digit = check_digit(first_nine)
            if digit is not None:  # about 1 in 11 stems has no valid check digit
                return f"{first_nine}{digit}"
