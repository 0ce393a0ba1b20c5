"""Fixed clock and tunable error rates for the synthetic data.

"Today" is pinned so that output never depends on when the generator runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

GENERATOR_VERSION = "1"
TODAY = date(2026, 11, 1)
FIRST_YEAR = 2012
LAST_YEAR = 2026


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Per-record probabilities of the mistakes agencies make when recording a person.

    Each rate applies to one record independently; defaults are rough figures chosen so
    that linkage is hard on recall (the brief's experience: F1 about 0.95 with a plain model).
    """

    typo_given: float = 0.03
    typo_family: float = 0.04
    nickname: float = 0.25  # of records of a person whose given name has nicknames
    name_swap: float = 0.015
    previous_family: float = 0.35  # of records of a person whose family name changed
    dob_day_month_swap: float = 0.03  # only where the swap gives a valid date
    dob_digit: float = 0.02
    dob_missing: float = 0.02
    sex_missing: float = 0.03
    old_address: float = 0.3  # of records of a person who has moved
    address_missing: float = 0.05
    street_abbreviated: float = 0.15
    postcode_no_space: float = 0.1
    nhs_mistyped: float = 0.04  # of records that carry an NHS number
    nhs_spaced: float = 0.2
    email_recorded: float = 0.2
    # Recorded at the same rate whatever the person's role: the audit found these fields
    # mostly missing, and nothing may depend on them.
    ethnicity_recorded: float = 0.3
    nationality_recorded: float = 0.25
