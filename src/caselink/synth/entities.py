"""Things that connect cases besides people: phones, vehicles and named places.

Decoys are places and numbers that turn up in many unrelated cases (a shopping centre,
a bus station, a taxi firm's number): a detector that links on them alone over-links.
"""

from __future__ import annotations

import random

from caselink.synth.ids import Scramble
from caselink.synth.places import AUTHORITIES, AUTHORITIES_BY_FORCE, FORCES

_MOBILE_PREFIX_DIGITS = "12345789"  # 070 and 076 are not mobile ranges


class PhoneNumbers:
    """Distinct UK-shaped mobile numbers ``07xxxxxxxxx`` (canonical form, no spaces)."""

    __slots__ = ("_next", "_scramble")

    def __init__(self, rng: random.Random) -> None:
        self._scramble = Scramble(8 * 10**8, rng)
        self._next = 0

    def issue(self) -> str:
        n = self._scramble(self._next)
        self._next += 1
        return f"07{_MOBILE_PREFIX_DIGITS[n % 8]}{n // 8:08d}"


_PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # DVLA leaves out I, Q and Z
_AGE_CODES = tuple(f"{y:02d}" for y in range(5, 25)) + tuple(f"{y:02d}" for y in range(55, 75))
_PLATES_PER_AGE = len(_PLATE_LETTERS) ** 3


class Vehicles:
    """Distinct registrations in the current UK format (``NM19 ABC``): area letters, age
    identifier, three random letters."""

    def __init__(self, rng: random.Random) -> None:
        size = len(_AGE_CODES) * _PLATES_PER_AGE
        self._scrambles = {f.code: Scramble(size, rng) for f in FORCES}
        self._issued = dict.fromkeys(self._scrambles, 0)

    def issue(self, force_code: str) -> str:
        n = self._scrambles[force_code](self._issued[force_code])
        self._issued[force_code] += 1
        age, letters = divmod(n, _PLATES_PER_AGE)
        a, rest = divmod(letters, len(_PLATE_LETTERS) ** 2)
        b, c = divmod(rest, len(_PLATE_LETTERS))
        return (
            f"{force_code}{_AGE_CODES[age]} "
            f"{_PLATE_LETTERS[a]}{_PLATE_LETTERS[b]}{_PLATE_LETTERS[c]}"
        )


_VENUES = (
    "Golden Spice Takeaway",
    "Royal Kebab House",
    "Star Pizza",
    "Crown Fried Chicken",
    "Lucky Dragon Takeaway",
    "Ocean Fish Bar",
    "Parkway Hotel",
    "Station Lodge Hotel",
    "Riverside Inn",
    "Travelstop Motel",
    "Memorial Park",
    "Canal Basin",
    "Recreation Ground",
    "Victoria Park",
    "Bluebell Woods",
    "Sunrise Snooker Club",
    "Mill Yard car park",
)


def _venues_by_force() -> dict[str, tuple[str, ...]]:
    venues: dict[str, tuple[str, ...]] = {}
    for f in FORCES:
        names: list[str] = []
        for j, la in enumerate(AUTHORITIES_BY_FORCE[f.code]):
            # each town has its own handful of venues; the same venue name recurs in
            # other towns, which is why a location is always qualified by its town
            start = (AUTHORITIES.index(la) * 5 + j) % len(_VENUES)
            names += [f"{_VENUES[(start + k * 3) % len(_VENUES)]}, {la.name}" for k in range(6)]
        venues[f.code] = tuple(names)
    return venues


VENUES_BY_FORCE = _venues_by_force()
DECOY_PLACES_BY_FORCE: dict[str, tuple[str, ...]] = {
    f.code: (f"{f.name} Central Shopping Centre", f"{f.name} Bus Station", f"{f.name} Retail Park")
    for f in FORCES
}


class Decoys:
    """Taxi firms' numbers that callers and suspects both use, one or two per force."""

    def __init__(self, phones: PhoneNumbers) -> None:
        self.taxi_phones: dict[str, tuple[str, ...]] = {
            f.code: (phones.issue(), phones.issue()) for f in FORCES
        }
