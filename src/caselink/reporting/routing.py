"""Where a report goes: the police force and the local authority for the child's address.

The postcode district decides (the foundation's district -> area table); failing that, the
child's school, if it is an agency caselink knows. When neither is known the report goes to
the national triage queue: a report is never routed nowhere.
"""

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
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


def areas_for(session: Session, submission: Submission) -> tuple[int, int] | None:
    """(force area id, local authority id) for the child, if caselink can tell."""
    if submission.child.postcode:
        found = session.execute(
            select(PostcodeDistrict.force_area_id, PostcodeDistrict.local_authority_id).where(
                PostcodeDistrict.district == district_of(submission.child.postcode)
            )
        ).first()
        if found is not None:
            return found[0], found[1]
    if submission.child.school:
        school_area = session.scalar(
            select(Agency.area_id).where(
                Agency.kind == AgencyKind.SCHOOL.value,
                func.lower(Agency.name) == submission.child.school.lower(),
            )
        )
        area = session.get(Area, school_area) if school_area else None
        if area is not None and area.parent_id is not None:
            return area.parent_id, area.id
    return None


def destinations(session: Session, areas: tuple[int, int] | None) -> list[Destination]:
    """The force's police and the local authority's children's services (one query: this
    is on every report's path)."""
    if areas is None:
        return [NATIONAL_TRIAGE]
    force_area_id, local_authority_id = areas
    rows = session.execute(
        select(Agency.id, Agency.name, Agency.kind)
        .where(
            or_(
                and_(Agency.kind == AgencyKind.POLICE_FORCE.value, Agency.area_id == force_area_id),
                and_(
                    Agency.kind == AgencyKind.LOCAL_AUTHORITY.value,
                    Agency.area_id == local_authority_id,
                ),
            )
        )
        .order_by(Agency.id)
    ).all()
    first: dict[str, Destination] = {}
    for agency_id, name, kind in rows:
        first.setdefault(kind, Destination(agency_id, name))
    found = [first[k] for k in (AgencyKind.POLICE_FORCE, AgencyKind.LOCAL_AUTHORITY) if k in first]
    return found or [NATIONAL_TRIAGE]
