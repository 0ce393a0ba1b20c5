"""The closed-case file: one row per closed case, CSV (UTF-8, header row) or Parquet.

Required columns (a missing one rejects the file):

- ``case_reference``: the force's case reference, unique across the review (at most 40
  characters). It is what makes a re-import idempotent.
- ``force``: the code of the police force area that closed the case (as in ``areas.csv``).
- ``reported_on``, ``closed_on``: ISO dates ``YYYY-MM-DD``; closed on or after reported.
- ``offences``: the offences recorded, ``;``-separated codes from ``OFFENCES``.
- ``closure_outcome``: how the case was closed, a code from ``CLOSURE_OUTCOMES``.
- ``closure_reason``: the stated reason, a code from ``CLOSURE_REASONS`` (case, spaces,
  hyphens and quotes are forgiven: ``"Lifestyle choice"`` reads as ``lifestyle_choice``).

Optional columns (may be left out of the header, or empty):

- ``offence_from``: date of the first offence.
- ``victim_age``: the victim's age in whole years at the time (0-120; empty if unknown).
- ``victim_count``: how many victims the case names (1 or more; empty means 1).
- ``closure_note``: the closing officer's own words (encrypted at rest; never scored).
- ``suspects_interviewed``: ``yes``, ``no`` or ``some`` (empty: not recorded).
- ``missing_episodes``: how many times the victim was reported missing (0 or more).
- ``suspects``: named suspects, ``;``-separated, each ``Given Family`` optionally followed
  by a date of birth in brackets: ``Darren Holt (1988-11-30); Kyle Moss``.
- ``phones``, ``vehicles``, ``addresses``: ``;``-separated values as recorded.
- ``victim_ethnicity``, ``victim_nationality``, ``victim_religion``,
  ``suspect_ethnicities``, ``suspect_nationalities``: stored so that the review can count
  them; never an input to a score.

In Parquet, list columns (``list<string>``) may be used instead of ``;``-separated strings,
and integer and date columns may be typed; problems in a Parquet file name the row number
(first row = 1) where a CSV problem names the line.
"""

import re
from datetime import date

from caselink.loading import fields

REQUIRED = (
    "case_reference",
    "force",
    "reported_on",
    "closed_on",
    "offences",
    "closure_outcome",
    "closure_reason",
)
OPTIONAL = (
    "offence_from",
    "victim_age",
    "victim_count",
    "closure_note",
    "suspects_interviewed",
    "missing_episodes",
    "suspects",
    "phones",
    "vehicles",
    "addresses",
    "victim_ethnicity",
    "victim_nationality",
    "victim_religion",
    "suspect_ethnicities",
    "suspect_nationalities",
)
COLUMNS = REQUIRED + OPTIONAL
LIST_COLUMNS = ("offences", "suspects", "phones", "vehicles", "addresses")
# Recorded to be counted, never to be scored.
PROTECTED = (
    "victim_ethnicity",
    "victim_nationality",
    "victim_religion",
    "suspect_ethnicities",
    "suspect_nationalities",
)

# Sexual Offences Act 2003 and related offences, as short codes.
OFFENCES = (
    "rape",  # ss.1, 5
    "assault_by_penetration",  # ss.2, 6
    "sexual_assault",  # ss.3, 7
    "causing_sexual_activity",  # ss.4, 8
    "sexual_activity_with_child",  # s.9
    "causing_child_to_watch",  # s.12
    "arranging_child_sex_offence",  # s.14
    "grooming",  # s.15, meeting a child following sexual grooming
    "sexual_communication",  # s.15A
    "paying_for_sexual_services_of_child",  # s.47
    "causing_child_sexual_exploitation",  # s.48
    "controlling_child_sexual_exploitation",  # s.49
    "trafficking",  # Modern Slavery Act 2015 s.2
    "indecent_images",  # Protection of Children Act 1978 s.1
    "child_abduction",  # Child Abduction Act 1984 s.2
    "other",
)
CLOSURE_OUTCOMES = (
    "no_further_action",
    "no_crime_recorded",
    "community_resolution",
    "cautioned",
    "charge_discontinued",
)
CLOSURE_REASONS = (
    "evidential_difficulties",
    "victim_withdrew",
    "insufficient_evidence",
    "not_in_public_interest",
    "suspect_not_identified",
    "consent",
    "lifestyle_choice",
    "not_credible",
    "willing_participant",
    "boyfriend_relationship",
    "other",
)
INTERVIEWED = ("yes", "no", "some")

_SUSPECT = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<dob>[^()]*)\))?\s*$")


def code(allowed: tuple[str, ...]) -> "Code":
    return Code(allowed)


class Code:
    """A code from a fixed list, forgiving case, spaces, hyphens and quotes."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed

    def __call__(self, value: str) -> str:
        folded = re.sub(r"[\s\-]+", "_", value.strip().strip("\"'“”").strip().lower())
        if folded not in self.allowed:
            raise ValueError(
                f"unknown code {value.strip()!r}: use one of {', '.join(self.allowed)}"
            )
        return folded


def whole_number(low: int, high: int) -> "WholeNumber":
    return WholeNumber(low, high)


class WholeNumber:
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, value: str) -> int:
        text = value.strip()
        if text.endswith(".0"):  # spreadsheets and Parquet floats write 3 as 3.0
            text = text[:-2]
        # ASCII digits only: \d also matches Arabic-Indic digits, which int() reads.
        if not re.fullmatch(r"-?[0-9]+", text):
            raise ValueError(f"{value.strip()!r} is not a whole number")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValueError(f"{number} is outside {self.low}-{self.high}")
        return number


def split(value: str) -> list[str]:
    """A `;`-separated list, blanks dropped."""
    return [part.strip() for part in value.split(";") if part.strip()]


def offences(value: str) -> tuple[str, ...]:
    parse = code(OFFENCES)
    found = tuple(dict.fromkeys(parse(part) for part in split(value)))
    if not found:
        raise ValueError("names no offence")
    return found


def suspect(entry: str) -> tuple[str, date | None]:
    """`Given Family (YYYY-MM-DD)` -> (name, date of birth or None)."""
    match = _SUSPECT.match(entry)
    name = match.group("name").strip() if match else ""
    if not name:
        raise ValueError(f"{entry!r} has no name")
    dob_text = match.group("dob") if match else None
    if dob_text is None:
        return name, None
    try:
        return name, fields.iso_date(dob_text)
    except ValueError as error:
        raise ValueError(f"{entry!r}: date of birth {error}") from None
