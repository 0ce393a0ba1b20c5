"""The mistakes people make when typing a person into an agency system."""

from __future__ import annotations

import random
from datetime import date

from caselink.synth.settings import TODAY

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Letters next to each letter on a UK QWERTY keyboard (same row and the rows above
    and below, offset by at most one key)."""
    neighbours: dict[str, str] = {}
    for r, row in enumerate(_KEYBOARD_ROWS):
        for i, key in enumerate(row):
            near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_KEYBOARD_ROWS):
                    near += [
                        _KEYBOARD_ROWS[other][j]
                        for j in (i - 1, i, i + 1)
                        if 0 <= j < len(_KEYBOARD_ROWS[other])
                    ]
            neighbours[key] = "".join(near)
    return neighbours


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _same_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter


def typo(s: str, rng: random.Random) -> str:
    """One transposition, deletion, substitution or keyboard slip in ``s``."""
    n = len(s)
    if n < 3:
        return s
    i = int(rng.random() * (n - 1))
    kind = rng.random()
    if kind < 0.3:  # transposition of neighbouring characters
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind < 0.5:  # deletion (never the first letter: people rarely get that wrong)
        i += 1
        return s[:i] + s[i + 1 :]
    ch = s[i]
    if kind < 0.7:
        new = _LETTERS[int(rng.random() * 26)]
    else:
        near = KEYBOARD_NEIGHBOURS.get(ch.lower())
        if not near:
            return s
        new = near[int(rng.random() * len(near))]
    return s[:i] + _same_case(new, ch) + s[i + 1 :]


def swap_day_and_month(dob: date) -> str | None:
    """The date with day and month swapped (US-style entry), or None if that is not a
    date, is the same date, or would lie in the future (systems refuse those at entry)."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    if date(dob.year, dob.day, dob.month) > TODAY:
        return None
    return f"{dob.year:04d}-{dob.day:02d}-{dob.month:02d}"


# Positions in "YYYY-MM-DD" where a slip is plausible: the decade and year, month, day.
_DATE_DIGIT_POSITIONS = (2, 3, 5, 6, 8, 9)


def mistype_date(iso: str, rng: random.Random) -> str:
    """One wrong digit in an ISO date, kept only if it still reads as a valid date in the
    past: agency systems refuse dates of birth in the future at the point of entry."""
    for _ in range(4):
        pos = _DATE_DIGIT_POSITIONS[int(rng.random() * 6)]
        digit = str(int(rng.random() * 10))
        candidate = iso[:pos] + digit + iso[pos + 1 :]
        if candidate == iso:
            continue
        try:
            mistyped = date.fromisoformat(candidate)
        except ValueError:
            continue
        if mistyped > TODAY:
            continue
        return candidate
    return iso


def mistype_digits(number: str, rng: random.Random) -> str:
    """A mistyped identifier: mostly one wrong digit or two swapped neighbouring digits
    (which a modulus-11 check always catches), now and then two wrong digits (which it
    catches about ten times in eleven)."""
    n = len(number)
    kind = rng.random()
    if kind < 0.25:
        i = int(rng.random() * (n - 1))
        if number[i] != number[i + 1]:
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    changes = 2 if kind > 0.9 else 1
    digits = list(number)
    for _ in range(changes):
        i = int(rng.random() * n)
        digits[i] = str((int(digits[i]) + 1 + int(rng.random() * 9)) % 10)
    return "".join(digits)


def format_phone(mobile: str, rng: random.Random) -> str:
    """A UK mobile ``07xxxxxxxxx`` in one of the ways people write it down."""
    r = rng.random()
    if r < 0.5:
        return f"{mobile[:5]} {mobile[5:]}"
    if r < 0.75:
        return mobile
    if r < 0.9:
        return f"+44{mobile[1:]}"
    return f"+44 {mobile[1:5]} {mobile[5:]}"


def spaced_nhs_number(nhs: str) -> str:
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
