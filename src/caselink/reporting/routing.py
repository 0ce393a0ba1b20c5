"""Where a report goes: the police force and the local authority for the child's address.

The postcode district decides (the foundation's district -> area table); failing that, the
child's school, if it is an agency caselink knows. When neither is known the report goes to
the national triage queue: a report is never routed nowhere.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from caselink.domain import AgencyKind
from caselink.reporting.submission import Submission
from caselink.store.models import Agency, Area, PostcodeDistrict


@dataclass(frozen=True)
class Destination:
    agency_id: int | None  # None: the national triage queue
    name: str

    @property
    def queue(self) -> str:
        return "agency" if self.agency_id is not None else "national_triage"


NATIONAL_TRIAGE = Destination(None, "National triage queue")


def district_of(postcode: str) -> str:
    """The outward code: `NM4 2QD` -> `NM4`, also without the space (`NM42QD`)."""
    compact = postcode.replace(" ", "").upper()
    return compact[:-3]


# Built once: these run for every batch of reports filed, and only their parameters change.
_DISTRICTS = select(
    PostcodeDistrict.district, PostcodeDistrict.force_area_id, PostcodeDistrict.local_authority_id
).where(PostcodeDistrict.district.in_(bindparam("districts", expanding=True)))
_AGENCIES = (
    select(Agency.id, Agency.name, Agency.kind, Agency.area_id)
    .where(
        or_(
            and_(
                Agency.kind == AgencyKind.POLICE_FORCE.value,
                Agency.area_id.in_(bindparam("forces", expanding=True)),
            ),
            and_(
                Agency.kind == AgencyKind.LOCAL_AUTHORITY.value,
                Agency.area_id.in_(bindparam("authorities", expanding=True)),
            ),
        )
    )
    .order_by(Agency.id)
)


def areas_for_all(
    session: Session, submissions: Sequence[Submission]
) -> list[tuple[int, int] | None]:
    """(force area id, local authority id) for each submission's child, if caselink can
    tell, looking up all their postcode districts at once."""
    districts = {district_of(s.child.postcode) for s in submissions if s.child.postcode}
    known: dict[str, tuple[int, int]] = {}
    if districts:
        for district, force_area_id, local_authority_id in session.connection().execute(
            _DISTRICTS, {"districts": sorted(districts)}
        ):
            known[district] = (force_area_id, local_authority_id)
    found: list[tuple[int, int] | None] = []
    for s in submissions:
        areas = known.get(district_of(s.child.postcode)) if s.child.postcode else None
        if areas is None and s.child.school:
            areas = _school_areas(session, s.child.school)
        found.append(areas)
    return found


def _school_areas(session: Session, school: str) -> tuple[int, int] | None:
    school_area = session.scalar(
        select(Agency.area_id).where(
            Agency.kind == AgencyKind.SCHOOL.value, func.lower(Agency.name) == school.lower()
        )
    )
    area = session.get(Area, school_area) if school_area else None
    if area is not None and area.parent_id is not None:
        return area.parent_id, area.id
    return None


def destinations_for_all(
    session: Session, all_areas: Iterable[tuple[int, int] | None]
) -> dict[tuple[int, int] | None, list[Destination]]:
    """For each (force area, local authority): the force's police and the local authority's
    children's services. One query for them all: this is on every report's path."""
    pairs = set(all_areas)
    forces = {p[0] for p in pairs if p is not None}
    authorities = {p[1] for p in pairs if p is not None}
    first: dict[tuple[str, int], Destination] = {}
    if forces:
        rows = session.connection().execute(
            _AGENCIES, {"forces": sorted(forces), "authorities": sorted(authorities)}
        )
        for agency_id, name, kind, area_id in rows:
            first.setdefault((kind, area_id), Destination(agency_id, name))
    found: dict[tuple[int, int] | None, list[Destination]] = {}
    for pair in pairs:
        if pair is None:
            found[pair] = [NATIONAL_TRIAGE]
            continue
        wanted = (
            (AgencyKind.POLICE_FORCE.value, pair[0]),
            (AgencyKind.LOCAL_AUTHORITY.value, pair[1]),
        )
        found[pair] = [first[k] for k in wanted if k in first] or [NATIONAL_TRIAGE]
    return found
