"""Normalised keys: the same phone, vehicle, address or suspect written differently in two
forces' files gets the same key, so an exact match on keys finds it in both.

These are deliberately exact-match keys, not fuzzy ones: a shared key is evidence a reviewer
can check by eye. Probabilistic record linkage (caselink.linkage) and the network graph
(caselink.network) can widen this later by supplying matches of their own.
"""

import re
from datetime import date

_NOT_DIGIT = re.compile(r"\D")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")
_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "cres": "crescent",
    "gdns": "gardens",
    "tce": "terrace",
    "terr": "terrace",
    "flt": "flat",
}


def phone(value: str) -> str:
    """UK numbers in their national form: `+44 7700 900123` and `07700-900123` agree."""
    digits = _NOT_DIGIT.sub("", value)
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits


def vehicle(value: str) -> str:
    return _NOT_ALNUM.sub("", value.upper())


def address(value: str) -> str:
    words = _SPACES.sub(" ", _PUNCTUATION.sub(" ", value.lower())).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def name(value: str) -> str:
    return _SPACES.sub(" ", _PUNCTUATION.sub("", value.lower())).strip()


def suspect(full_name: str, date_of_birth: date | None) -> str:
    """Name and date of birth: `darren holt|1988-11-30`, or `darren holt|` without one."""
    return f"{name(full_name)}|{date_of_birth.isoformat() if date_of_birth else ''}"


KEYS = {"phone": phone, "vehicle": vehicle, "address": address}
