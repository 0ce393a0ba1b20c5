"""Synthetic NHS numbers (the check itself is caselink.people.nhs).

Synthetic numbers start with 9, a range the NHS does not issue to patients.
"""

from __future__ import annotations

import random

from caselink.people.nhs import check_digit
from caselink.people.nhs import is_valid as is_valid_nhs_number
from caselink.synth.ids import Scramble

__all__ = ["NhsNumbers", "check_digit", "is_valid_nhs_number"]


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
