"""Synthetic demo activity so the force comparison has something to compare: in each force
area a local teacher files reports over the past months, and that force's police and
children's services officers acknowledge and work them, each force at its own pace. One
force is slow to acknowledge, one closes most reports without a case, one leaves reports
unacknowledged. Deterministic, idempotent, synthetic only (the accounts cannot sign in).

Reports, actions and escalations go through the reporting services with their own times,
so everything is ledgered; escalations that would have happened in the past are written as
the worker would have taken them (without re-sending mail that is history).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import find_user, hash_password, unusable_password
from caselink.access.breakglass import break_glass
from caselink.access.principal import Principal, principal_for
from caselink.domain import AgencyKind, Role
from caselink.ledger import Action, Actor, record
from caselink.reporting import actions, intake, submission
from caselink.reporting.clock import aware, utcnow
from caselink.reporting.escalation import LEVELS
from caselink.reporting.rules import DutyRules
from caselink.store.models import (
    Agency,
    Area,
    Case,
    Escalation,
    PostcodeDistrict,
    Report,
    ReportRoute,
    User,
)

SETTING = "Synthetic demo activity"
REPORTS_PER_FORCE = 20
DAYS = 150
BY = Actor.system("demo-activity")


@dataclass(frozen=True)
class Pace:
    acknowledge_hours: float  # typical time to acknowledge
    act_hours: float  # typical time from acknowledgement to first action
    close_share: float  # reports closed without a case
    never_share: float  # reports the police never acknowledge
    break_glass: int


# In force-code order; the rest of the forces are steady.
PACES = (
    Pace(3, 20, 0.1, 0.0, 0),
    Pace(40, 30, 0.15, 0.05, 4),  # slow to acknowledge, breaks glass often
    Pace(5, 12, 0.65, 0.0, 1),  # closes most reports without a case
    Pace(4, 18, 0.1, 0.0, 0),
    Pace(6, 16, 0.1, 0.3, 0),  # leaves reports sitting unacknowledged
    Pace(4, 24, 0.1, 0.0, 1),
)
STORIES = (
    "She told me an older man collects her from school in a different car each week.",
    "He said adults at a flat give him alcohol and ask him to carry parcels.",
    "She has new clothes and a phone and will not say who paid for them.",
    "A classmate showed me messages from an adult asking her to meet at night.",
)


@cache
def _locked() -> str:
    """One hash of a password nobody knows, shared by the synthetic accounts (argon2 is slow
    on purpose; nobody ever signs in as them)."""
    return hash_password(unusable_password())


def _account(session: Session, username: str, role: Role, agency: Agency) -> Principal:
    user = find_user(session, username)
    if user is None:
        user = User(
            username=username,
            display_name=f"Synthetic {role.value.replace('_', ' ')} ({agency.code})",
            email=f"{username}@caselink.example",
            role=role.value,
            agency_id=agency.id,
            password_hash=_locked(),
        )
        session.add(user)
        session.flush()
        reason = f"synthetic demo account {username} as {role.value}; cannot sign in"
        record(session, BY, Action.CREATE, "user", user.id, reason=reason)
    return principal_for(session, user)


def _agency(session: Session, area_id: int, kind: AgencyKind) -> Agency | None:
    return session.scalar(
        select(Agency)
        .where(Agency.area_id == area_id, Agency.kind == kind.value)
        .order_by(Agency.code)
        .limit(1)
    )


def already_done(session: Session) -> bool:
    found = select(Report.id).where(Report.reporter_setting == SETTING).limit(1)
    return session.scalar(found) is not None


def seed_activity(
    session: Session,
    rules: DutyRules,
    now: datetime | None = None,
    per_force: int = REPORTS_PER_FORCE,
) -> int:
    """File and work the demo reports; returns how many were filed (0 if already done)."""
    if already_done(session):
        return 0
    now = now or utcnow()
    forces = session.scalars(
        select(Area).where(Area.kind == "force_area").order_by(Area.code)
    ).all()
    filed = 0
    for index, force in enumerate(forces):
        pace = PACES[index % len(PACES)]
        rng = random.Random(f"demo:{force.code}")
        filed += _work_force(session, force, pace, rules, now, rng, per_force)
    return filed


def _work_force(
    session: Session,
    force: Area,
    pace: Pace,
    rules: DutyRules,
    now: datetime,
    rng: random.Random,
    per_force: int,
) -> int:
    authority = session.scalar(
        select(Area).where(Area.parent_id == force.id).order_by(Area.code).limit(1)
    )
    if authority is None:
        return 0
    police = _agency(session, force.id, AgencyKind.POLICE_FORCE)
    social = _agency(session, authority.id, AgencyKind.LOCAL_AUTHORITY)
    school = _agency(session, authority.id, AgencyKind.SCHOOL)
    district = session.scalar(
        select(PostcodeDistrict.district)
        .where(PostcodeDistrict.local_authority_id == authority.id)
        .order_by(PostcodeDistrict.district)
        .limit(1)
    )
    if police is None or social is None or school is None or district is None:
        return 0
    code = force.code.lower()
    teacher = _account(session, f"synthetic-teacher-{code}", Role.REPORTER, school)
    officer = _account(session, f"synthetic-police-{code}", Role.SAFEGUARDING_OFFICER, police)
    worker = _account(session, f"synthetic-social-{code}", Role.SAFEGUARDING_OFFICER, social)
    for n in range(per_force):
        at = now - timedelta(days=DAYS * (n + 0.5) / per_force, hours=rng.random() * 8)
        data = {
            "reporter_role": "teacher",
            "reporter_setting": SETTING,
            "trigger": "child_told",
            "learned_on": at.date().isoformat(),
            "what_happened": f"{STORIES[n % len(STORIES)]} (synthetic {force.code}-{n + 1})",
            "immediate_danger": "no",
            "child": {
                "given_name": f"Child{n + 1}",
                "family_name": f"Synthetic{force.code}",
                "age": str(11 + n % 6),
                "postcode": f"{district} {n % 9 + 1}AB",
            },
        }
        made = intake.file_report(
            session, teacher, submission.read(data, rules, at.date()), rules, now=at
        )
        report = session.get(Report, made.report_id)
        assert report is not None
        _work_report(session, report, pace, (officer, worker), rules, at, now, rng)
    _break_glass(session, officer, force, pace.break_glass)
    return per_force


def _work_report(
    session: Session,
    report: Report,
    pace: Pace,
    officers: tuple[Principal, Principal],
    rules: DutyRules,
    at: datetime,
    now: datetime,
    rng: random.Random,
) -> None:
    police, social = officers
    never = rng.random() < pace.never_share
    # Social care acknowledges at a steady pace everywhere; the police at the force's pace.
    for who, typical, skip in ((police, pace.acknowledge_hours, never), (social, 5.0, False)):
        acknowledged = at + timedelta(hours=typical * rng.uniform(0.5, 1.6))
        route = _route(session, report, who)
        until = now if skip else min(acknowledged, now)
        _escalate_history(session, report, route, rules, until)
        if skip or acknowledged > now:
            continue
        actions.acknowledge(session, who, report, now=acknowledged)
        acted = acknowledged + timedelta(hours=pace.act_hours * rng.uniform(0.5, 1.5))
        if who is police and acted <= now:
            if rng.random() < pace.close_share:
                category = rng.choice(("no_abuse_found", "insufficient_information"))
                reason = "Synthetic demo: enquiries made, closed without a case."
                actions.close(session, who, report, category, reason, rules, now=acted)
            else:
                question = "Synthetic demo: which adults has the child named?"
                actions.request_information(session, who, report, question, now=acted)


def _route(session: Session, report: Report, who: Principal) -> ReportRoute:
    route = session.scalar(
        select(ReportRoute).where(
            ReportRoute.report_id == report.id, ReportRoute.agency_id == who.agency_id
        )
    )
    assert route is not None, "demo reports are routed to the force's agencies"
    return route


def _escalate_history(
    session: Session, report: Report, route: ReportRoute, rules: DutyRules, until: datetime
) -> None:
    """The escalation steps the worker would have taken before `until`."""
    for level, offset in enumerate(rules.escalation_steps(report.urgent), start=1):
        when = aware(route.due_at) + offset
        if when >= until:
            return
        session.add(Escalation(route_id=route.id, level=level, escalated_at=when))
        record(
            session,
            BY,
            Action.ESCALATE,
            "report",
            report.reference,
            reason=f"level {level}: {LEVELS[level]} (synthetic demo history)",
        )


def _break_glass(session: Session, officer: Principal, force: Area, times: int) -> None:
    elsewhere = session.scalars(
        select(Case.reference)
        .where(Case.force_area_id != force.id)
        .order_by(Case.reference)
        .limit(times)
    ).all()
    for reference in elsewhere:
        reason = "Synthetic demo: checking a suspect named in one of our reports."
        break_glass(session, officer, reference, reason)
