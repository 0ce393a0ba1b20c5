"""Unusual access, for oversight: reads of cases outside the reader's force area, reads of
cases nobody assigned to the reader, and break-glass use, counted per person from the
ledger. Oversight officers read everywhere by design and are listed separately."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, select
from sqlalchemy.orm import Session

from caselink.store.models import Agency, Area, Case, CaseAssignment, LedgerEntry, User

OUTSIDE_AREA_THRESHOLD = 5  # more reads than this outside one's own force is flagged
UNASSIGNED_THRESHOLD = 20


@dataclass(frozen=True)
class AccessPattern:
    username: str
    role: str
    case_reads: int
    outside_area: int
    unassigned: int
    break_glass: int

    @property
    def flagged(self) -> bool:
        return (
            self.outside_area > OUTSIDE_AREA_THRESHOLD
            or self.break_glass > 0
            or self.unassigned > UNASSIGNED_THRESHOLD
        )


def patterns(session: Session, since: datetime | None = None) -> list[AccessPattern]:
    reader = User
    case_id_text = cast(Case.id, String)  # compare as text: object ids of all kinds are text
    query = (
        select(
            reader.username,
            reader.role,
            LedgerEntry.action,
            Case.force_area_id,
            Area.parent_id,
            Area.id,
            CaseAssignment.id,
        )
        .join(reader, reader.id == LedgerEntry.actor_user_id)
        .outerjoin(Agency, Agency.id == reader.agency_id)
        .outerjoin(Area, Area.id == Agency.area_id)
        .join(Case, case_id_text == LedgerEntry.object_id)
        .outerjoin(
            CaseAssignment,
            and_(CaseAssignment.case_id == Case.id, CaseAssignment.user_id == reader.id),
        )
        .where(LedgerEntry.object_type == "case", LedgerEntry.action.in_(("read", "break_glass")))
    )
    if since is not None:
        query = query.where(LedgerEntry.recorded_at >= since.strftime("%Y-%m-%dT%H:%M:%S"))
    reads: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    unassigned: Counter[str] = Counter()
    glass: Counter[str] = Counter()
    roles: dict[str, str] = {}
    for username, role, action, case_force, area_parent, area_id, assignment in session.execute(
        query
    ):
        roles[username] = role
        if action == "break_glass":
            glass[username] += 1
            continue
        reads[username] += 1
        own_force = area_parent or area_id
        if own_force is not None and case_force != own_force:
            outside[username] += 1
        if assignment is None:
            unassigned[username] += 1
    people = sorted(roles)
    return [
        AccessPattern(u, roles[u], reads[u], outside[u], unassigned[u], glass[u]) for u in people
    ]
