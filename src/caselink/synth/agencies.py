"""The agency systems that hold person records: police, children's social care,
NHS trusts and schools. An agency's ``code`` is the ``source`` of its records."""

from __future__ import annotations

from dataclasses import dataclass

from caselink.synth.places import AUTHORITIES, FORCES

POLICE = "police_force"
SOCIAL_CARE = "local_authority"
NHS_TRUST = "nhs_trust"
SCHOOL = "school"

_SCHOOLS_PER_AUTHORITY = 5
_SCHOOL_NAMES = (
    "{} Primary School",
    "{} Academy",
    "{} High School",
    "St {} Church School",
    "{} Community College",
)
_SCHOOL_STEMS = (
    "Oakfield",
    "Brookside",
    "Hillcrest",
    "Meadowbank",
    "Riverside",
    "Greenacre",
    "Elmwood",
    "Fernhill",
    "Kingsmead",
    "Westfield",
    "Moorside",
    "Ashgrove",
)
_SAINTS = ("Aidan", "Hilda", "Cuthbert", "Chad", "Wilfrid", "Bede", "Oswald", "Anne")


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    kind: str
    area_code: str


def _build() -> tuple[Agency, ...]:
    agencies: list[Agency] = []
    for i, force in enumerate(FORCES):
        agencies.append(Agency(f"POL-{force.code}", f"{force.name} Police", POLICE, force.code))
        agencies.append(
            Agency(
                f"NHS-{force.code}1",
                f"{force.name} Teaching Hospitals NHS Trust",
                NHS_TRUST,
                force.code,
            )
        )
        if i % 2 == 0:  # the larger forces have a separate community trust
            agencies.append(
                Agency(
                    f"NHS-{force.code}2",
                    f"{force.name} Community Health NHS Trust",
                    NHS_TRUST,
                    force.code,
                )
            )
    for j, la in enumerate(AUTHORITIES):
        agencies.append(
            Agency(f"CSC-{la.code}", f"{la.name} Council Children's Services", SOCIAL_CARE, la.code)
        )
        for k in range(_SCHOOLS_PER_AUTHORITY):
            template = _SCHOOL_NAMES[(j + k) % len(_SCHOOL_NAMES)]
            stem = (
                _SAINTS[(j + k) % len(_SAINTS)]
                if template.startswith("St ")
                else _SCHOOL_STEMS[(3 * j + k) % len(_SCHOOL_STEMS)]
            )
            agencies.append(
                Agency(
                    f"SCH-{la.code}{k + 1}", f"{template.format(stem)}, {la.name}", SCHOOL, la.code
                )
            )
    return tuple(agencies)


AGENCIES = _build()
POLICE_BY_FORCE = {a.area_code: a for a in AGENCIES if a.kind == POLICE}
TRUSTS_BY_FORCE: dict[str, tuple[Agency, ...]] = {
    force.code: tuple(a for a in AGENCIES if a.kind == NHS_TRUST and a.area_code == force.code)
    for force in FORCES
}
SOCIAL_CARE_BY_AUTHORITY = {a.area_code: a for a in AGENCIES if a.kind == SOCIAL_CARE}
SCHOOLS_BY_AUTHORITY: dict[str, tuple[Agency, ...]] = {
    la.code: tuple(a for a in AGENCIES if a.kind == SCHOOL and a.area_code == la.code)
    for la in AUTHORITIES
}
