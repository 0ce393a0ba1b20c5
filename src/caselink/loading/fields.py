"""Parsers for the values in agency CSV files. Each raises ValueError with a message that
says what was expected, so the error report can be acted on."""

import re
from datetime import date

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII: \d matches any script's digits
EARLIEST = date(1900, 1, 1)


def text(value: str) -> str:
    return value.strip()


def iso_date(value: str) -> date:
    value = value.strip()
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real calendar date") from None
    if parsed < EARLIEST:
        raise ValueError(f"{value!r} is before {EARLIEST.isoformat()}")
    if parsed > date.today():
        raise ValueError(f"{value!r} is in the future")
    return parsed


def one_of(*allowed: str) -> "Choice":
    return Choice(allowed)


class Choice:
    """A code from a fixed list, e.g. sex F/M/X."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed

    def __call__(self, value: str) -> str:
        value = value.strip()
        if value not in self.allowed:
            listed = ", ".join(self.allowed)
            raise ValueError(f"unknown code {value!r}: use one of {listed}")
        return value


def bounded(limit: int) -> "Bounded":
    return Bounded(limit)


class Bounded:
    """Free text with a length limit matching its column."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, value: str) -> str:
        value = value.strip()
        if len(value) > self.limit:
            raise ValueError(f"is {len(value)} characters long; at most {self.limit} are allowed")
        return value


def nhs_number(value: str) -> str:
    """An NHS number as the agency holds it: ten digits (spaces and hyphens allowed). One
    failing its check digit is kept (the record is loaded as held, errors and all) but is
    never a search key or linkage evidence; the load counts them (caselink.people.nhs)."""
    value = value.strip()
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()) or len(value) > 20:
        raise ValueError(f"{value!r} is not an NHS number: it must be 10 digits, like 943 476 5919")
    return value
