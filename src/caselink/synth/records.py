"""How one true person becomes records in several agency systems, each with its own
mistakes: nicknames, typos, swapped names and dates, old addresses, missing fields."""

from __future__ import annotations

import random

from caselink.synth.agencies import (
    NHS_TRUST,
    POLICE,
    POLICE_BY_FORCE,
    SCHOOL,
    SCHOOLS_BY_AUTHORITY,
    SOCIAL_CARE,
    SOCIAL_CARE_BY_AUTHORITY,
    TRUSTS_BY_FORCE,
    Agency,
)
from caselink.synth.errors import (
    format_phone,
    mistype_date,
    mistype_digits,
    spaced_nhs_number,
    swap_day_and_month,
    typo,
)
from caselink.synth.ids import RecordIds
from caselink.synth.names import NICKNAMES
from caselink.synth.people import Person
from caselink.synth.places import LocalAuthority
from caselink.synth.settings import ErrorRates
from caselink.synth.writer import DatasetWriter

MAX_RECORDS_PER_PERSON = 5

# How often each kind of system holds the NHS number: health always, police rarely.
_NHS_RECORDED = {NHS_TRUST: 0.97, SOCIAL_CARE: 0.7, SCHOOL: 0.4, POLICE: 0.15}
# How often the person's own phone is taken, and failing that a parent's contact number.
_OWN_PHONE = {NHS_TRUST: 0.6, SOCIAL_CARE: 0.5, SCHOOL: 0.2, POLICE: 0.75}
_CONTACT_PHONE = {NHS_TRUST: 0.5, SOCIAL_CARE: 0.7, SCHOOL: 0.85, POLICE: 0.3}
# Police systems often hold surnames in capitals and lack a date of birth for suspects.
_UPPER_FAMILY = {NHS_TRUST: 0.05, SOCIAL_CARE: 0.05, SCHOOL: 0.0, POLICE: 0.35}
_EXTRA_DOB_MISSING = {NHS_TRUST: 0.0, SOCIAL_CARE: 0.01, SCHOOL: 0.0, POLICE: 0.04}


def hold(p: Person, agency: Agency) -> bool:
    """Plan for ``agency`` to hold a record of ``p``; False if it already does or the
    person already has the most records a person may have."""
    if len(p.agencies) >= MAX_RECORDS_PER_PERSON or agency in p.agencies:
        return False
    p.agencies.append(agency)
    return True


def will_hold(p: Person, agency: Agency) -> bool:
    """True if ``p`` has, or can be given, a record at ``agency``."""
    return agency in p.agencies or hold(p, agency)


def police(force_code: str) -> Agency:
    return POLICE_BY_FORCE[force_code]


def health(force_code: str, rng: random.Random) -> Agency:
    trusts = TRUSTS_BY_FORCE[force_code]
    return trusts[int(rng.random() * len(trusts))]


def social_care(authority: LocalAuthority) -> Agency:
    return SOCIAL_CARE_BY_AUTHORITY[authority.code]


def school(authority: LocalAuthority, rng: random.Random) -> Agency:
    schools = SCHOOLS_BY_AUTHORITY[authority.code]
    return schools[int(rng.random() * len(schools))]


def record_row(
    p: Person, agency: Agency, record_id: str, rates: ErrorRates, rng: random.Random
) -> list[str]:
    """One agency's record of ``p``, with that agency's gaps and random slips."""
    r = rng.random
    kind = agency.kind

    given = p.given
    nicknames = NICKNAMES.get(given)
    if nicknames and r() < rates.nickname:
        given = nicknames[int(r() * len(nicknames))]
    family = p.family
    if p.previous_family and r() < rates.previous_family:
        family = p.previous_family
    if r() < rates.typo_given:
        given = typo(given, rng)
    if r() < rates.typo_family:
        family = typo(family, rng)
    if r() < _UPPER_FAMILY[kind]:
        family = family.upper()
    if r() < rates.name_swap:
        given, family = family, given

    dob = p.dob.isoformat()
    x = r()
    threshold = rates.dob_missing + _EXTRA_DOB_MISSING[kind]
    if x < threshold:
        dob = ""
    elif x < threshold + rates.dob_day_month_swap:
        dob = swap_day_and_month(p.dob) or dob
    elif x < threshold + rates.dob_day_month_swap + rates.dob_digit:
        dob = mistype_date(dob, rng)

    sex = "" if r() < rates.sex_missing else p.sex

    home = p.address
    before = p.previous_address
    if before is not None and (
        r() < rates.old_address
        # a system in the area the person moved away from mostly still has the old address
        or (
            agency.area_code in (before.authority.code, before.authority.force_code)
            and agency.area_code not in (home.authority.code, home.authority.force_code)
            and r() < 0.8
        )
    ):
        home = before
    postcode = home.postcode
    address = home.abbreviated if r() < rates.street_abbreviated else home.text
    x = r()
    if x < rates.address_missing:
        postcode = address = ""
    elif x < rates.address_missing * 1.5:
        postcode = ""  # the address was taken but not its postcode
    elif r() < rates.postcode_no_space:
        postcode = postcode.replace(" ", "")

    nhs = ""
    if r() < _NHS_RECORDED[kind]:
        nhs = p.nhs
        if r() < rates.nhs_mistyped:
            nhs = mistype_digits(nhs, rng)
        if r() < rates.nhs_spaced:
            nhs = spaced_nhs_number(nhs)

    phone = ""
    if p.phone and r() < _OWN_PHONE[kind]:
        phone = format_phone(p.phone, rng)
    elif p.contact_phone and r() < _CONTACT_PHONE[kind]:
        phone = format_phone(p.contact_phone, rng)

    email = p.email if p.email and r() < rates.email_recorded else ""
    ethnicity = p.ethnicity if r() < rates.ethnicity_recorded else ""
    nationality = p.nationality if r() < rates.nationality_recorded else ""
    return [
        record_id,
        agency.code,
        given,
        family,
        dob,
        sex,
        postcode,
        address,
        nhs,
        phone,
        email,
        ethnicity,
        nationality,
    ]


class Registry:
    """Writes each planned record of a person, remembers its id on the person, and
    adds the person to the ground truth the first time they are entered."""

    def __init__(
        self, sink: DatasetWriter, ids: RecordIds, rates: ErrorRates, rng: random.Random
    ) -> None:
        self._sink = sink
        self._ids = ids
        self._rates = rates
        self._rng = rng

    def enter(self, p: Person) -> None:
        if not p.agencies:
            raise ValueError(f"{p.person_id} has no agency to hold a record of them")
        if not p.record_ids:
            self._sink.row(
                "truth_people.csv", (p.person_id, p.category, p.network_id, p.network_role)
            )
        for agency in p.agencies:
            if agency.code in p.record_ids:
                continue  # already written (a person can be entered again with new records)
            record_id = self._ids.issue()
            self._sink.person_record(
                record_row(p, agency, record_id, self._rates, self._rng), p.person_id
            )
            p.record_ids[agency.code] = record_id
