"""One demo account per role, attached to agencies of the first force area in the store.

For the synthetic demo only: the password is printed to the terminal by `make demo`.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import create_user, find_user
from caselink.domain import AgencyKind, Role
from caselink.ledger import Actor
from caselink.store.models import Agency, Area

DEMO_PASSWORD = "demo-caselink-2026"

# role -> (username, display name, kind of agency the user works for)
_DEMO: dict[Role, tuple[str, str, AgencyKind | None]] = {
    Role.REPORTER: ("teacher", "Demo Teacher", AgencyKind.SCHOOL),
    Role.SAFEGUARDING_OFFICER: ("officer", "Demo Safeguarding Officer", AgencyKind.POLICE_FORCE),
    Role.ANALYST: ("analyst", "Demo Intelligence Analyst", AgencyKind.POLICE_FORCE),
    Role.CASE_REVIEWER: ("reviewer", "Demo Case Reviewer", AgencyKind.POLICE_FORCE),
    Role.OVERSIGHT_OFFICER: ("inspector", "Demo Oversight Officer", None),
    Role.SURVIVOR: ("survivor", "Demo Survivor", None),
    Role.ADMINISTRATOR: ("admin", "Demo Administrator", None),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    agency: str


def ensure_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create the accounts that do not exist yet; safe to run again."""
    first_force = session.scalar(
        select(Area).where(Area.kind == "force_area").order_by(Area.code).limit(1)
    )
    accounts = []
    for role, (username, name, kind) in _DEMO.items():
        agency = _agency_in(session, first_force, kind) if kind else None
        if find_user(session, username) is None:
            create_user(
                session,
                username,
                name,
                f"{username}@caselink.example",
                role,
                DEMO_PASSWORD,
                agency,
                Actor.system("demo"),
            )
        accounts.append(DemoAccount(username, role, agency.name if agency else "(all forces)"))
    return accounts


def _agency_in(session: Session, force: Area | None, kind: AgencyKind) -> Agency | None:
    query = select(Agency).where(Agency.kind == kind.value).order_by(Agency.code)
    if force is not None:
        local_authorities = select(Area.id).where(Area.parent_id == force.id)
        query = query.where((Agency.area_id == force.id) | Agency.area_id.in_(local_authorities))
    return session.scalar(query.limit(1))
