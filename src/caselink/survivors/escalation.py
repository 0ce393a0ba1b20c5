"""Right-to-review clocks: a request not acknowledged, or not decided, in time climbs the
chain like an overdue report does: first to the officers who may review it (the independent
seniors of the case's force), then to the oversight body, by alert and mail.

Each step is its own transaction and (request, clock, level) is unique in the database, so a
worker that crashes, restarts, or runs beside another worker never loses or doubles a step."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, record
from caselink.reporting import notices
from caselink.reporting.clock import aware, describe, utcnow
from caselink.store.db import Database
from caselink.store.models import ReviewRequest, ReviewRequestEscalation, ReviewRequestStep
from caselink.survivors import review
from caselink.survivors.victims_code import VictimsCode
from caselink.survivors.workdays import add_working_days, end_of, last_day

WORKER = Actor.system("worker")
CLOCKS = {"acknowledge": ReviewRequest.acknowledge_by, "decide": ReviewRequest.decide_by}
LEVELS = {1: "the officers who may review it", 2: "oversight"}


@dataclass(frozen=True)
class Step:
    request_id: int
    clock: str
    level: int


def _reached(code: VictimsCode, due_at: datetime, level: int) -> datetime:
    """When `level` is reached: the deadline, then working days after it."""
    offsets = code.review.escalate_after_due_working_days
    days = offsets[min(level, len(offsets)) - 1]
    if days == 0:
        return due_at
    last = last_day(due_at)
    return end_of(add_working_days(last, days, code.bank_holidays))


def due_steps(session: Session, code: VictimsCode, now: datetime) -> list[Step]:
    found = []
    top = min(len(code.review.escalate_after_due_working_days), len(LEVELS))
    for clock, deadline in CLOCKS.items():
        done = exists().where(
            ReviewRequestStep.request_id == ReviewRequest.id, ReviewRequestStep.kind == clock
        )
        levels = (
            select(
                ReviewRequestEscalation.request_id,
                func.max(ReviewRequestEscalation.level).label("level"),
            )
            .where(ReviewRequestEscalation.clock == clock)
            .group_by(ReviewRequestEscalation.request_id)
            .subquery()
        )
        rows = session.execute(
            select(ReviewRequest.id, deadline, levels.c.level)
            .outerjoin(levels, levels.c.request_id == ReviewRequest.id)
            .where(deadline <= now, ~done, func.coalesce(levels.c.level, 0) < top)
            .order_by(deadline)
        ).all()
        for request_id, due_at, level in rows:
            for next_level in range((level or 0) + 1, top + 1):
                if now >= _reached(code, aware(due_at), next_level):
                    found.append(Step(request_id, clock, next_level))
    return found


def take(db: Database, code: VictimsCode, step: Step, now: datetime) -> bool:
    """Take one step; False if another worker (or an earlier run) already took it."""
    try:
        with db.transaction() as session:
            request = session.get(ReviewRequest, step.request_id)
            assert request is not None
            session.add(
                ReviewRequestEscalation(
                    request_id=request.id, clock=step.clock, level=step.level, escalated_at=now
                )
            )
            session.flush()  # the unique (request, clock, level) decides who takes the step
            people = review.reviewers(session, request) if step.level == 1 else []
            if not people:
                people = notices.oversight(session)
            due = request.acknowledge_by if step.clock == "acknowledge" else request.decide_by
            late = describe((now - aware(due)).total_seconds())
            verb = "acknowledged" if step.clock == "acknowledge" else "decided"
            review.alert(
                session,
                people,
                request,
                f"Request for a review {request.reference} has not been {verb}. It was due "
                f"{late} ago. Escalated to {LEVELS[step.level]}.",
                f"review-request:{request.id}:{step.clock}:{step.level}",
                now,
            )
            record(
                session,
                WORKER,
                Action.ESCALATE,
                "review_request",
                request.reference,
                reason=f"{step.clock} overdue, level {step.level}: {LEVELS[step.level]}",
            )
    except IntegrityError:
        return False
    return True


def escalate(db: Database, code: VictimsCode, now: datetime | None = None) -> int:
    now = now or utcnow()
    with db.transaction() as session:
        found = due_steps(session, code, now)
    return sum(take(db, code, step, now) for step in found)
