"""Multi-agency child protection teams (Children Act 2004 s.16LA): configured as data, one
per local-authority area, with member agencies; and the caseload additions a member makes.

Who the caseload lets see what is the policy's (`policy.caseload_persons`); this module
changes membership and caseload, each change ledgered in the caller's transaction and
listed for oversight (`caselink teams show`, the oversight page of the team)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.ledger import Action, Actor, record
from caselink.people.problems import Problem
from caselink.store.models import (
    Agency,
    Area,
    CaseloadAddition,
    ChildProtectionTeam,
    Person,
    PersonRecord,
    TeamMember,
)

MIN_REASON = 10


@dataclass(frozen=True)
class Member:
    agency_code: str
    agency_name: str
    agency_kind: str
    added_at: datetime


@dataclass(frozen=True)
class TeamView:
    code: str
    name: str
    local_authority: str
    members: list[Member]
    additions: int


def create_team(
    session: Session, actor: Actor, code: str, name: str, local_authority_code: str
) -> ChildProtectionTeam:
    area = session.scalar(select(Area).where(Area.code == local_authority_code))
    if area is None or area.kind != "local_authority":
        raise Problem("local_authority", f"there is no local authority {local_authority_code!r}")
    if not code.strip() or not name.strip():
        raise Problem("code" if not code.strip() else "name", "enter a code and a name")
    if session.scalar(select(ChildProtectionTeam.id).where(ChildProtectionTeam.code == code)):
        raise Problem("code", f"there is already a team {code!r}")
    if session.scalar(
        select(ChildProtectionTeam.id).where(ChildProtectionTeam.local_authority_id == area.id)
    ):
        raise Problem("local_authority", f"{area.name} already has a team")
    team = ChildProtectionTeam(code=code, name=name, local_authority_id=area.id)
    session.add(team)
    session.flush()
    record(session, actor, Action.CREATE, "child_protection_team", code, reason=name)
    return team


def find_team(session: Session, code: str) -> ChildProtectionTeam:
    team = session.scalar(select(ChildProtectionTeam).where(ChildProtectionTeam.code == code))
    if team is None:
        raise Problem("team", f"there is no team {code!r}")
    return team


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise Problem("agency", f"there is no agency {code!r}")
    return agency


def _membership(session: Session, team_id: int, agency_id: int) -> TeamMember | None:
    return session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team_id,
            TeamMember.agency_id == agency_id,
            TeamMember.ended_at.is_(None),
        )
    )


def add_member(
    session: Session, actor: Actor, team_code: str, agency_code: str, now: datetime | None = None
) -> bool:
    """Returns False when the agency is a member already (nothing changes)."""
    team, agency = find_team(session, team_code), _agency(session, agency_code)
    if _membership(session, team.id, agency.id) is not None:
        return False
    session.add(TeamMember(team_id=team.id, agency_id=agency.id, added_at=now or utcnow()))
    record(
        session,
        actor,
        Action.CHANGE,
        "child_protection_team",
        team.code,
        reason=f"member added: {agency.code}",
    )
    return True


def remove_member(
    session: Session, actor: Actor, team_code: str, agency_code: str, now: datetime | None = None
) -> bool:
    team, agency = find_team(session, team_code), _agency(session, agency_code)
    member = _membership(session, team.id, agency.id)
    if member is None:
        return False
    member.ended_at = now or utcnow()
    record(
        session,
        actor,
        Action.CHANGE,
        "child_protection_team",
        team.code,
        reason=f"member removed: {agency.code}",
    )
    return True


def teams_of(session: Session, p: Principal) -> list[ChildProtectionTeam]:
    if not policy.is_team_member(p):
        return []
    return list(
        session.scalars(
            select(ChildProtectionTeam)
            .join(TeamMember, TeamMember.team_id == ChildProtectionTeam.id)
            .where(TeamMember.agency_id == p.agency_id, TeamMember.ended_at.is_(None))
            .order_by(ChildProtectionTeam.code)
        )
    )


def add_to_caseload(
    session: Session, p: Principal, person_id: int, reason: str, now: datetime | None = None
) -> ChildProtectionTeam:
    """A member puts a person they may already see into their team's caseload (the person
    then is on the whole team's need-to-know), with the reason."""
    if not policy.may_add_to_caseload(p):
        raise Problem("team", "only a member agency's safeguarding officer can add to a caseload")
    teams = teams_of(session, p)
    if not teams:
        raise Problem("team", "your agency is not in a child protection team")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise Problem("reason", f"explain why, in at least {MIN_REASON} characters")
    visible = session.scalar(
        select(PersonRecord.id).where(PersonRecord.person_id == person_id, policy.records(p))
    )
    if visible is None or session.get(Person, person_id) is None:
        raise Problem("person", "there is no such person that you may see")
    team = teams[0]
    session.add(
        CaseloadAddition(
            team_id=team.id,
            person_id=person_id,
            reason=reason,
            added_by_user_id=p.user_id,
            added_at=now or utcnow(),
        )
    )
    record(
        session,
        p.actor,
        Action.CHANGE,
        "child_protection_team",
        team.code,
        reason=f"caseload: person {person_id} added: {reason}",
    )
    return team


def describe(session: Session) -> list[TeamView]:
    """Every team with its members, for oversight and operators."""
    views = []
    for team, area in session.execute(
        select(ChildProtectionTeam, Area.name)
        .join(Area, Area.id == ChildProtectionTeam.local_authority_id)
        .order_by(ChildProtectionTeam.code)
    ):
        members = [
            Member(a.code, a.name, a.kind, m.added_at)
            for m, a in session.execute(
                select(TeamMember, Agency)
                .join(Agency, Agency.id == TeamMember.agency_id)
                .where(TeamMember.team_id == team.id, TeamMember.ended_at.is_(None))
                .order_by(Agency.kind, Agency.code)
            )
        ]
        additions = len(
            session.scalars(
                select(CaseloadAddition.id).where(
                    CaseloadAddition.team_id == team.id, CaseloadAddition.ended_at.is_(None)
                )
            ).all()
        )
        views.append(TeamView(team.code, team.name, area, members, additions))
    return views
