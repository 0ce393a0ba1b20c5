"""Reading reports: an officer's inbox with its clocks, a reporter's own reports, one report.

Status is never stored: it is read from the report's actions, so nothing about the report
itself has to change when it is worked.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.domain import Role
from caselink.ledger import record_read
from caselink.reporting.clock import aware, describe, utcnow
from caselink.store.models import (
    Agency,
    Case,
    Escalation,
    Report,
    ReportAction,
    ReportPerson,
    ReportRoute,
    User,
)

PAGE_SIZE = 50
CLOSED_KINDS = ("close", "approve_closure")


@dataclass(frozen=True)
class RouteState:
    id: int
    agency_id: int | None
    destination: str
    routed_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int

    def clock(self, now: datetime) -> str:
        if self.acknowledged_at is not None:
            took = (self.acknowledged_at - self.routed_at).total_seconds()
            return f"Acknowledged after {describe(took)}"
        left = (self.due_at - now).total_seconds()
        return f"Due in {describe(left)}" if left >= 0 else f"Overdue by {describe(left)}"

    def overdue(self, now: datetime) -> bool:
        return self.acknowledged_at is None and now > self.due_at


@dataclass(frozen=True)
class ActionView:
    kind: str
    at: datetime
    by: str
    by_user_id: int | None
    category: str | None
    note: str | None
    case_reference: str | None


@dataclass(frozen=True)
class ReportView:
    id: int
    reference: str
    kind: str
    submitted_at: datetime
    urgent: bool
    trigger: str
    learned_on: date | None
    what_happened: str
    reporter: str
    reporter_role: str | None
    reporter_setting: str | None
    reporter_user_id: int | None
    delay_kind: str | None
    delay_reason: str | None
    content_digest: str | None
    people: list[ReportPerson]
    routes: list[RouteState]
    actions: list[ActionView]
    status: str

    def child_name(self) -> str:
        child = next((p for p in self.people if p.role == "child"), None)
        if child is None:
            return "Not named"
        name = " ".join(n for n in (child.given_name, child.family_name) if n)
        return name or "Not named (described)"


class _Action(Protocol):
    @property
    def kind(self) -> str: ...


A = TypeVar("A", bound=_Action)


def pending_closure(actions: Sequence[A]) -> A | None:
    """The request to close that still waits for a second officer, in action order."""
    pending = None
    for action in actions:
        if action.kind == "request_closure":
            pending = action
        elif action.kind in ("approve_closure", "refuse_closure"):
            pending = None
    return pending


def status_of(kind: str, actions: list[ActionView], routes: list[RouteState]) -> str:
    if kind == "exemption_record":
        return "Exemption recorded"
    kinds = [a.kind for a in actions]
    if any(k in CLOSED_KINDS for k in kinds):
        return "Closed"
    if pending_closure(actions) is not None:
        return "Closure awaiting approval"
    if any(k in ("link_case", "open_case") for k in kinds):
        return "In a case"
    if (
        "request_information" in kinds
        and "provide_information" not in kinds[kinds.index("request_information") :]
    ):
        return "Information requested"
    if any(r.acknowledged_at for r in routes):
        return "Acknowledged"
    return "Awaiting acknowledgement"


def routes_of(session: Session, report_ids: list[int]) -> dict[int, list[RouteState]]:
    if not report_ids:
        return {}
    acks = (
        select(
            ReportAction.route_id,
            func.min(ReportAction.at).label("at"),
            func.min(ReportAction.actor_user_id).label("by"),
        )
        .where(ReportAction.kind == "acknowledge", ReportAction.report_id.in_(report_ids))
        .group_by(ReportAction.route_id)
        .subquery()
    )
    levels = (
        select(Escalation.route_id, func.max(Escalation.level).label("level"))
        .group_by(Escalation.route_id)
        .subquery()
    )
    rows = session.execute(
        select(ReportRoute, Agency.name, acks.c.at, User.display_name, levels.c.level)
        .outerjoin(Agency, Agency.id == ReportRoute.agency_id)
        .outerjoin(acks, acks.c.route_id == ReportRoute.id)
        .outerjoin(User, User.id == acks.c.by)
        .outerjoin(levels, levels.c.route_id == ReportRoute.id)
        .where(ReportRoute.report_id.in_(report_ids))
        .order_by(ReportRoute.id)
    ).all()
    found: dict[int, list[RouteState]] = {}
    for route, agency, acked_at, acked_by, level in rows:
        found.setdefault(route.report_id, []).append(
            RouteState(
                id=route.id,
                agency_id=route.agency_id,
                destination=agency or "National triage queue",
                routed_at=aware(route.routed_at),
                due_at=aware(route.due_at),
                acknowledged_at=aware(acked_at) if acked_at else None,
                acknowledged_by=acked_by,
                escalation_level=level or 0,
            )
        )
    return found


def actions_of(session: Session, report_ids: list[int]) -> dict[int, list[ActionView]]:
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportAction, User.display_name, Case.reference)
        .outerjoin(User, User.id == ReportAction.actor_user_id)
        .outerjoin(Case, Case.id == ReportAction.case_id)
        .where(ReportAction.report_id.in_(report_ids))
        .order_by(ReportAction.id)
    ).all()
    found: dict[int, list[ActionView]] = {}
    for action, by, case_reference in rows:
        found.setdefault(action.report_id, []).append(
            ActionView(
                action.kind,
                aware(action.at),
                by or "caselink",
                action.actor_user_id,
                action.category,
                action.note,
                case_reference,
            )
        )
    return found


def _views(session: Session, reports: list[Report]) -> list[ReportView]:
    ids = [r.id for r in reports]
    routes, actions = routes_of(session, ids), actions_of(session, ids)
    people: dict[int, list[ReportPerson]] = {}
    for person in session.scalars(
        select(ReportPerson).where(ReportPerson.report_id.in_(ids)).order_by(ReportPerson.id)
    ):
        people.setdefault(person.report_id, []).append(person)
    names: dict[int, str] = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_({r.reporter_user_id for r in reports if r.reporter_user_id})
            )
        ).all()
    )
    return [
        ReportView(
            id=r.id,
            reference=r.reference,
            kind=r.kind,
            submitted_at=aware(r.submitted_at),
            urgent=r.urgent,
            trigger=r.trigger,
            learned_on=r.learned_on,
            what_happened=r.summary,
            reporter=names.get(r.reporter_user_id or 0, "unknown"),
            reporter_role=r.reporter_role,
            reporter_setting=r.reporter_setting,
            reporter_user_id=r.reporter_user_id,
            delay_kind=r.delay_kind,
            delay_reason=r.delay_reason,
            content_digest=r.content_digest,
            people=people.get(r.id, []),
            routes=routes.get(r.id, []),
            actions=actions.get(r.id, []),
            status=status_of(r.kind, actions.get(r.id, []), routes.get(r.id, [])),
        )
        for r in reports
    ]


def inbox(
    session: Session,
    p: Principal,
    page: int = 1,
    show_closed: bool = False,
    now: datetime | None = None,
) -> tuple[list[ReportView], int]:
    """Reports routed to the officer's agency (oversight: the national triage queue) in the
    order the page promises: urgent first, then those whose acknowledgement is overdue, the
    longest overdue first, then the rest oldest first, so the clock closest to running out
    (or longest run out) is at the top whatever else the inbox holds."""
    now = now or utcnow()
    mine: ColumnElement[bool]
    if p.role == Role.OVERSIGHT_OFFICER:
        mine = ReportRoute.agency_id.is_(None)
    elif p.role == Role.SAFEGUARDING_OFFICER and p.agency_id is not None:
        mine = ReportRoute.agency_id == p.agency_id
    else:
        return [], 0
    acknowledged = (
        select(ReportAction.id)
        .where(ReportAction.route_id == ReportRoute.id, ReportAction.kind == "acknowledge")
        .exists()
    )
    # One row per report: its route to this agency, and when that route's clock ran out if
    # it has (unacknowledged and past due); the earliest such moment is the longest overdue.
    routes = (
        select(
            ReportRoute.report_id,
            func.min(
                case((and_(~acknowledged, ReportRoute.due_at < now), ReportRoute.due_at))
            ).label("overdue_since"),
        )
        .where(mine)
        .group_by(ReportRoute.report_id)
        .subquery()
    )
    query = select(Report).join(routes, routes.c.report_id == Report.id).where(policy.reports(p))
    if not show_closed:
        closed = select(ReportAction.report_id).where(ReportAction.kind.in_(CLOSED_KINDS))
        query = query.where(Report.id.not_in(closed))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(
            Report.urgent.desc(),
            routes.c.overdue_since.is_(None),  # overdue (false) before the rest (true)
            routes.c.overdue_since,
            Report.submitted_at,
            Report.id,
        )
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return _views(session, list(rows)), total


def filed_by(session: Session, p: Principal) -> list[ReportView]:
    rows = session.scalars(
        select(Report)
        .where(Report.reporter_user_id == p.user_id)
        .order_by(Report.submitted_at.desc())
        .limit(200)
    ).all()
    return _views(session, list(rows))


def find(
    session: Session, p: Principal, reference: str, *, ledger_read: bool = True
) -> ReportView | None:
    """One report, if this principal may read it; the read is ledgered, and so is a refused
    one (real or made up alike: see refusals.find_or_refuse)."""
    try:
        report = readable(session, p, reference)
    except refusals.Refused:
        return None
    if ledger_read:
        record_read(session, p.actor, "report", reference)
    return _views(session, [report])[0]


def readable(session: Session, p: Principal, reference: str) -> Report:
    """The report this principal may read, or refusals.Refused (and the refusal ledgered)."""
    report: Report = refusals.find_or_refuse(
        session,
        p,
        "report",
        reference,
        select(Report).where(Report.reference == reference, policy.reports(p)),
        select(Report.reference).where(Report.reference == reference),
    )[0]
    return report


def exists(session: Session, reference: str) -> bool:
    return session.scalar(select(Report.id).where(Report.reference == reference)) is not None
