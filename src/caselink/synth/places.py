"""Invented geography: force areas, local authorities, postcode districts and streets.

Every name here is made up. Postcode area letters (NM, AV, ...) are ones Royal Mail does
not use, so a synthetic postcode can never be a real one, yet each has the real shape
(outward ``AA9``/``AA99``, inward ``9AA``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from caselink.synth.ids import Scramble


@dataclass(frozen=True, slots=True)
class ForceArea:
    code: str
    name: str
    neighbours: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    code: str
    name: str
    force_code: str
    weight: int  # relative population: how often households are placed here
    districts: tuple[str, ...]


# (force code, force name, neighbouring forces, [(local authority name, weight), ...])
_GEOGRAPHY = (
    (
        "NM",
        "Northmoor",
        ("AV", "BK", "WY"),
        (("Northmoor", 5), ("Calderbrook", 3), ("Oakhollow", 2)),
    ),
    (
        "AV",
        "Ashvale",
        ("NM", "BK", "FD"),
        (("Ashvale", 4), ("Millbridge", 3), ("Thornwick", 2), ("Redlow", 2)),
    ),
    ("BK", "Brackenridge", ("NM", "AV", "HM"), (("Brackenridge", 4), ("Stanmere", 2))),
    ("FD", "Fellstead", ("AV", "HM", "WY"), (("Fellstead", 3), ("Harrowdale", 2), ("Kirkholm", 2))),
    ("HM", "Highmarsh", ("BK", "FD", "WY"), (("Highmarsh", 4), ("Saltmere", 3), ("Eastwold", 2))),
    (
        "WY",
        "Westerby",
        ("FD", "HM", "NM"),
        (("Westerby", 3), ("Cobbleford", 2), ("Linmouth", 2), ("Greyhaven", 1)),
    ),
)


def _build() -> tuple[tuple[ForceArea, ...], tuple[LocalAuthority, ...]]:
    forces: list[ForceArea] = []
    authorities: list[LocalAuthority] = []
    for code, name, neighbours, las in _GEOGRAPHY:
        forces.append(ForceArea(code, name, neighbours))
        number = 1
        for index, (la_name, weight) in enumerate(las):
            count = weight + 1  # bigger towns have more districts
            districts = tuple(f"{code}{n}" for n in range(number, number + count))
            number += count
            authorities.append(
                LocalAuthority(f"{code}{chr(ord('A') + index)}", la_name, code, weight, districts)
            )
    return tuple(forces), tuple(authorities)


FORCES, AUTHORITIES = _build()
FORCE_BY_CODE = {f.code: f for f in FORCES}
AUTHORITIES_BY_FORCE: dict[str, tuple[LocalAuthority, ...]] = {
    f.code: tuple(la for la in AUTHORITIES if la.force_code == f.code) for f in FORCES
}
# Weighted pool so that choosing a local authority is a single uniform draw.
AUTHORITY_POOL = tuple(la for la in AUTHORITIES for _ in range(la.weight))

STREET_STEMS = [
    "Alder",
    "Ash",
    "Beech",
    "Birch",
    "Bridge",
    "Brook",
    "Castle",
    "Cedar",
    "Chapel",
    "Church",
    "Clay",
    "Cross",
    "Elm",
    "Fern",
    "Field",
    "Forge",
    "Garden",
    "Glebe",
    "Granby",
    "Green",
    "Hawthorn",
    "Hazel",
    "Heath",
    "High",
    "Hill",
    "Holly",
    "Kiln",
    "King",
    "Lark",
    "Laurel",
    "Lime",
    "Linden",
    "Maple",
    "Market",
    "Meadow",
    "Mill",
    "Moor",
    "Nelson",
    "Oak",
    "Orchard",
    "Park",
    "Pine",
    "Poplar",
    "Priory",
    "Queen",
    "Railway",
    "Rose",
    "Rowan",
    "School",
    "Spring",
    "Station",
    "Stone",
    "Tanner",
    "Victoria",
    "Water",
    "Well",
    "Willow",
    "Windmill",
    "Wood",
    "Yew",
    "Cobden",
    "Albert",
    "Jubilee",
    "Coronation",
]
STREET_SUFFIXES = (
    "Street",
    "Road",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Terrace",
    "Crescent",
)
ABBREVIATIONS = {
    "Street": "St",
    "Road": "Rd",
    "Lane": "Ln",
    "Avenue": "Ave",
    "Close": "Cl",
    "Drive": "Dr",
    "Way": "Way",
    "Terrace": "Terr",
    "Crescent": "Cres",
}
STREETS = tuple(f"{stem} {suffix}" for stem in STREET_STEMS for suffix in STREET_SUFFIXES)
ABBREVIATED_STREETS = tuple(
    f"{stem} {ABBREVIATIONS[suffix]}" for stem in STREET_STEMS for suffix in STREET_SUFFIXES
)
_HOUSE_NUMBERS = 400
# Letters Royal Mail uses in the inward code (no C, I, K, M, O or V).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Address:
    authority: LocalAuthority
    street: int  # index into STREETS
    number: int
    postcode: str

    @property
    def text(self) -> str:
        return f"{self.number} {STREETS[self.street]}, {self.authority.name}"

    @property
    def abbreviated(self) -> str:
        return f"{self.number} {ABBREVIATED_STREETS[self.street]}, {self.authority.name}"


def postcode_for(authority: LocalAuthority, street: int, number: int) -> str:
    """Neighbouring houses share a postcode, as about 15-25 homes do in real life."""
    district = authority.districts[street % len(authority.districts)]
    code = (street * 131 + ((number - 1) // 20) * 17) % 4000
    letters = _INWARD_LETTERS[(code // 20) % 20] + _INWARD_LETTERS[code % 20]
    return f"{district} {code // 400}{letters}"


class AddressBook:
    """Hands out distinct addresses, so two unrelated households never share one.

    Each local authority has 230,400 addresses; the busiest runs out (and addresses
    start to repeat) at roughly eight million person records.
    """

    def __init__(self, rng: random.Random) -> None:
        space = len(STREETS) * _HOUSE_NUMBERS
        self._scrambles = {la.code: Scramble(space, rng) for la in AUTHORITIES}
        self._issued = dict.fromkeys(self._scrambles, 0)

    def allocate(self, authority: LocalAuthority) -> Address:
        n = self._scrambles[authority.code](self._issued[authority.code])
        self._issued[authority.code] += 1
        street, number = divmod(n, _HOUSE_NUMBERS)
        number += 1
        return Address(authority, street, number, postcode_for(authority, street, number))
