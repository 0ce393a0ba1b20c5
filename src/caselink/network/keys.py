"""Node keys: one key per real thing, however each agency wrote it down.

A phone written `07700 900123` in one force and `+447700900123` in another is one phone; a
registration with or without its space is one vehicle; `12 Mill Rd, Town AB1 2CD` and
`12 Mill Road, Town` are one address. A person is the linked person (`person:<id>`) when
record linkage has decided one, otherwise the record stands for itself (`record:<id>`).
"""

import re

_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ln": "lane",
    "ave": "avenue",
    "av": "avenue",
    "cl": "close",
    "dr": "drive",
    "terr": "terrace",
    "ter": "terrace",
    "cres": "crescent",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "gdns": "gardens",
}


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits


def vehicle(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def address(value: str) -> str:
    words = _NOT_WORD.sub(" ", _POSTCODE.sub(" ", value).lower()).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def location(value: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", value.lower()).split())


NORMALISE = {"phone": phone, "vehicle": vehicle, "address": address, "location": location}


def entity(kind: str, value: str) -> str:
    """The node key of a phone, vehicle, address or location."""
    return f"{kind}:{NORMALISE[kind](value)}"


def person(person_id: int | None, record_id: int) -> str:
    return f"person:{person_id}" if person_id is not None else f"record:{record_id}"


def case(case_id: int) -> str:
    return f"case:{case_id}"


def kind_of(key: str) -> str:
    """The node kind a key names; an unlinked record is a person."""
    prefix = key.split(":", 1)[0]
    return "person" if prefix == "record" else prefix
