"""Acknowledgement clocks: a route not acknowledged in time climbs the chain — the agency's
duty officers, then their supervisors, then the oversight body — telling each by alert and
mail. Reaching oversight marks the report as possibly being sat on.

Each step is its own transaction and (route, level) is unique in the database, so a worker
that crashes, restarts, or runs beside another worker never loses or doubles a step.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.reporting import notices
from caselink.reporting.clock import aware, describe, utcnow
from caselink.reporting.inbox import CLOSED_KINDS
from caselink.reporting.rules import DutyRules
from caselink.store.db import Database
from caselink.store.models import Agency, Escalation, Report, ReportAction, ReportRoute

WORKER = Actor.system("worker")
LEVELS = {1: "duty officers", 2: "supervisors", 3: "oversight"}


@dataclass(frozen=True)
class Step:
    route_id: int
    level: int


def due_steps(session: Session, rules: DutyRules, now: datetime) -> list[Step]:
    """Every escalation step whose time has come and that has not been taken."""
    acknowledged = select(ReportAction.route_id).where(
        ReportAction.kind == "acknowledge", ReportAction.route_id.is_not(None)
    )
    closed = select(ReportAction.report_id).where(ReportAction.kind.in_(CLOSED_KINDS))
    levels = (
        select(Escalation.route_id, func.max(Escalation.level).label("level"))
        .group_by(Escalation.route_id)
        .subquery()
    )
    rows = session.execute(
        select(ReportRoute.id, ReportRoute.due_at, Report.urgent, levels.c.level)
        .join(Report, Report.id == ReportRoute.report_id)
        .outerjoin(levels, levels.c.route_id == ReportRoute.id)
        .where(
            ReportRoute.due_at <= now,
            ReportRoute.id.not_in(acknowledged),
            ReportRoute.report_id.not_in(closed),
            func.coalesce(levels.c.level, 0) < 3,
        )
        .order_by(ReportRoute.due_at)
    ).all()
    steps = []
    for route_id, due_at, urgent, level in rows:
        offsets = rules.escalation_steps(urgent)
        for next_level in range((level or 0) + 1, 4):
            if now >= aware(due_at) + offsets[next_level - 1]:
                steps.append(Step(route_id, next_level))
    return steps


def take(db: Database, step: Step, now: datetime) -> bool:
    """Take one step; False if another worker (or an earlier run) already took it."""
    try:
        with db.transaction() as session:
            route = session.get(ReportRoute, step.route_id)
            assert route is not None
            report = session.get(Report, route.report_id)
            assert report is not None
            session.add(Escalation(route_id=route.id, level=step.level, escalated_at=now))
            session.flush()  # the unique (route, level) decides who takes the step
            _tell(session, report, route, step.level, now)
            record(
                session,
                WORKER,
                Action.ESCALATE,
                "report",
                report.reference,
                reason=f"level {step.level}: {LEVELS[step.level]}",
            )
    except IntegrityError:
        return False
    return True


def _tell(session: Session, report: Report, route: ReportRoute, level: int, now: datetime) -> None:
    officers = notices.officers_of(session, route.agency_id)
    people = {
        1: officers,
        2: notices.supervisors_of(session, officers),
        3: notices.oversight(session),
    }[level]
    agency = session.get(Agency, route.agency_id) if route.agency_id else None
    where = agency.name if agency else "the national triage queue"
    late = describe((now - aware(route.due_at)).total_seconds())
    urgent = "URGENT " if report.urgent else ""
    message = (
        f"{urgent}Report {report.reference}, sent to {where}, has not been acknowledged. "
        f"It was due {late} ago. Escalated to {LEVELS[level]}."
    )
    notices.tell(
        session,
        people,
        key=f"escalation:{route.id}:{level}",
        kind="report_overdue",
        subject_id=report.id,
        subject=f"{urgent}Overdue report {report.reference}: escalated to {LEVELS[level]}",
        message=message,
        now=now,
    )
    if level == 3:
        notices.tell_oversight(
            session,
            kind="possible_prevention",
            report_id=report.id,
            message=(
                f"Report {report.reference} sent to {where} is still unacknowledged {late} "
                "after its deadline: possibly being sat on."
            ),
            now=now,
        )


def escalate(db: Database, rules: DutyRules, now: datetime | None = None) -> int:
    now = now or utcnow()
    with db.transaction() as session:
        steps = due_steps(session, rules, now)
    return sum(take(db, step, now) for step in steps)
