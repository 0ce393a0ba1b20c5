"""Who is acting: a signed-in user with the scope that follows from their agency and area."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from caselink.domain import AgencyKind, AreaKind, Role
from caselink.ledger import Actor
from caselink.store.models import Agency, Area, User


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: Role
    agency_id: int | None
    agency_code: str | None
    agency_kind: AgencyKind | None
    force_area_id: int | None  # the force area the user's agency sits in
    local_authority_id: int | None  # set when the agency is a local authority's
    supervisor_id: int | None
    scopes: frozenset[str] | None = None  # set for API tokens: what the token may do
    agency_name: str | None = None  # for people to read (codes are for the ledger)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.user_id, self.agency_code)

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


# The columns a principal is made from, for callers that fetch them in one query.
IDENTITY = (
    User.id.label("user_id"),
    User.username,
    User.display_name,
    User.role,
    User.agency_id,
    User.supervisor_id,
    Agency.code.label("agency_code"),
    Agency.name.label("agency_name"),
    Agency.kind.label("agency_kind"),
    Area.id.label("area_id"),
    Area.kind.label("area_kind"),
    Area.parent_id.label("area_parent_id"),
)


def principal_from_row(row: Any, scopes: frozenset[str] | None = None) -> Principal:
    """A principal from IDENTITY's columns (users outer-joined to agencies and areas)."""
    force_area_id = local_authority_id = None
    if row.area_kind == AreaKind.LOCAL_AUTHORITY.value:
        local_authority_id, force_area_id = row.area_id, row.area_parent_id
    elif row.area_id is not None:
        force_area_id = row.area_id
    return Principal(
        user_id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        agency_id=row.agency_id,
        agency_code=row.agency_code,
        agency_kind=AgencyKind(row.agency_kind) if row.agency_kind else None,
        force_area_id=force_area_id,
        local_authority_id=local_authority_id,
        supervisor_id=row.supervisor_id,
        scopes=scopes,
        agency_name=row.agency_name,
    )


def principal_for(
    db_session: Session, user: User, scopes: frozenset[str] | None = None
) -> Principal:
    agency = db_session.get(Agency, user.agency_id) if user.agency_id else None
    force_area_id = local_authority_id = None
    if agency is not None:
        area = db_session.get(Area, agency.area_id)
        if area is not None and area.kind == AreaKind.LOCAL_AUTHORITY.value:
            local_authority_id, force_area_id = area.id, area.parent_id
        elif area is not None:
            force_area_id = area.id
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
        agency_kind=AgencyKind(agency.kind) if agency else None,
        force_area_id=force_area_id,
        local_authority_id=local_authority_id,
        supervisor_id=user.supervisor_id,
        scopes=scopes,
        agency_name=agency.name if agency else None,
    )
