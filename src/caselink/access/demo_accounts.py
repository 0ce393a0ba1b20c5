"""One demo account per role, attached to agencies of the first force area in the store.

For the synthetic demo only: `make demo` prints the accounts and their shared password, and
`caselink demo-code USERNAME` prints a demo account's current security code, so the demo
can be tried without setting up an authenticator app.
"""

from dataclasses import dataclass

import pyotp
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caselink.access import totp
from caselink.access.accounts import create_user, find_user
from caselink.domain import AgencyKind, Role
from caselink.ledger import Actor
from caselink.store.models import (
    Agency,
    Area,
    Case,
    CaseAssignment,
    CaseParticipant,
    SurvivorLink,
    User,
)

DEMO_PASSWORD = "demo-caselink-2026"
BY = Actor.system("demo")

# username -> (display name, role, kind of agency the user works for)
DEMO: dict[str, tuple[str, Role, AgencyKind | None]] = {
    "teacher": ("Demo Teacher", Role.REPORTER, AgencyKind.SCHOOL),
    "supervisor": ("Demo Duty Inspector", Role.SAFEGUARDING_OFFICER, AgencyKind.POLICE_FORCE),
    "officer": ("Demo Safeguarding Officer", Role.SAFEGUARDING_OFFICER, AgencyKind.POLICE_FORCE),
    "social-worker": ("Demo Social Worker", Role.SAFEGUARDING_OFFICER, AgencyKind.LOCAL_AUTHORITY),
    "analyst": ("Demo Intelligence Analyst", Role.ANALYST, AgencyKind.POLICE_FORCE),
    "reviewer": ("Demo Case Reviewer", Role.CASE_REVIEWER, AgencyKind.POLICE_FORCE),
    "inspector": ("Demo Oversight Officer", Role.OVERSIGHT_OFFICER, None),
    "survivor": ("Demo Survivor", Role.SURVIVOR, None),
    "admin": ("Demo Administrator", Role.ADMINISTRATOR, None),
}
SUPERVISED = ("officer", "analyst", "reviewer")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    agency: str


def ensure_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create the accounts that do not exist yet; safe to run again."""
    force = session.scalar(
        select(Area).where(Area.kind == "force_area").order_by(Area.code).limit(1)
    )
    accounts = []
    for username, (name, role, kind) in DEMO.items():
        agency = _agency_in(session, force, kind) if kind else None
        if find_user(session, username) is None:
            user = create_user(
                session,
                username,
                name,
                f"{username}@caselink.example",
                role,
                DEMO_PASSWORD,
                agency,
                BY,
                totp_secret=totp.new_secret(),
            )
            _attach(session, user, force)
        accounts.append(DemoAccount(username, role, agency.name if agency else "(all forces)"))
    supervisor = find_user(session, "supervisor")
    for username in SUPERVISED:
        supervised = find_user(session, username)
        if supervised is not None and supervisor is not None and supervised.supervisor_id is None:
            supervised.supervisor_id = supervisor.id
    return accounts


def _attach(session: Session, user: User, force: Area | None) -> None:
    """Give the reviewer closed cases to review and the survivor her own case."""
    if force is None:
        return
    closed = select(Case.id).where(Case.force_area_id == force.id, Case.status == "closed")
    if user.role == Role.CASE_REVIEWER.value:
        case_ids = session.scalars(closed.order_by(Case.opened_on).limit(10)).all()
        if case_ids:
            session.execute(
                insert(CaseAssignment), [{"case_id": c, "user_id": user.id} for c in case_ids]
            )
    if user.role == Role.SURVIVOR.value:
        victim = session.execute(
            select(CaseParticipant.case_id, CaseParticipant.person_record_id)
            .where(CaseParticipant.role == "victim", CaseParticipant.case_id.in_(closed))
            .order_by(CaseParticipant.case_id)
            .limit(1)
        ).first()
        if victim is not None:
            session.add(
                SurvivorLink(user_id=user.id, case_id=victim[0], person_record_id=victim[1])
            )


def current_code(session: Session, username: str) -> str | None:
    """A demo account's security code right now (demo accounts only)."""
    user = find_user(session, username) if username in DEMO else None
    if user is None or not user.totp_secret:
        return None
    return str(pyotp.TOTP(user.totp_secret).now())


def _agency_in(session: Session, force: Area | None, kind: AgencyKind) -> Agency | None:
    query = select(Agency).where(Agency.kind == kind.value).order_by(Agency.code)
    if force is not None:
        local_authorities = select(Area.id).where(Area.parent_id == force.id)
        query = query.where((Agency.area_id == force.id) | Agency.area_id.in_(local_authorities))
    return session.scalar(query.limit(1))
