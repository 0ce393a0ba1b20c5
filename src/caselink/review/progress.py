"""How the review stands: cases by priority band, status, force and outcome, so statements
such as "1,273 cases under review, 236 rape allegations first, 40 referred" come straight
from the system. One grouped query feeds both the page and the CSV export."""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import Action, record
from caselink.review.queue import REFERRED
from caselink.store.models import Area, ReviewCase

BANDS = ("high", "medium", "low", "unscored")
STATUSES = ("unreviewed", "in_review", "awaiting_approval", "reviewed")
EXPORT_HEADER = ("force", "priority_band", "status", "outcome", "rape_allegation", "cases")


@dataclass(frozen=True)
class Group:
    force: str
    band: str
    status: str
    outcome: str
    rape: bool
    cases: int


@dataclass
class ForceProgress:
    force: str
    cases: int = 0
    high: int = 0
    reviewed: int = 0
    referred: int = 0


@dataclass
class Progress:
    cases: int = 0
    rape_allegations: int = 0
    rape_allegations_reviewed: int = 0
    referred: int = 0
    bands: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    forces: dict[str, ForceProgress] = field(default_factory=dict)


def _rape() -> ColumnElement[bool]:
    o = ReviewCase.offences
    return or_(o == "rape", o.like("rape;%"), o.like("%;rape"), o.like("%;rape;%"))


def groups(session: Session, p: Principal) -> list[Group]:
    if not policy.may_read_review(p):
        raise PermissionError("only case reviewers and oversight read the review's progress")
    return _grouped(session, policy.review_cases(p))


def all_groups(session: Session) -> list[Group]:
    """Every case: for the operator at the console, who holds the database anyway."""
    return _grouped(session, true())


def _grouped(session: Session, allowed: ColumnElement[bool]) -> list[Group]:
    rape = _rape().label("rape")
    rows = session.execute(
        select(
            Area.name,
            ReviewCase.band,
            ReviewCase.status,
            ReviewCase.outcome,
            rape,
            func.count(),
        )
        .join(Area, Area.id == ReviewCase.force_area_id)
        .where(allowed)
        .group_by(Area.name, ReviewCase.band, ReviewCase.status, ReviewCase.outcome, rape)
        .order_by(Area.name, ReviewCase.band, ReviewCase.status, ReviewCase.outcome)
    ).all()
    return [
        Group(force, band or "unscored", status, outcome or "", bool(is_rape), count)
        for force, band, status, outcome, is_rape, count in rows
    ]


def totals(found: list[Group]) -> Progress:
    result = Progress()
    for g in found:
        referred = g.outcome in REFERRED
        result.cases += g.cases
        result.bands[g.band] += g.cases
        result.statuses[g.status] += g.cases
        if g.outcome:
            result.outcomes[g.outcome] += g.cases
        result.referred += g.cases if referred else 0
        if g.rape:
            result.rape_allegations += g.cases
            result.rape_allegations_reviewed += g.cases if g.status == "reviewed" else 0
        force = result.forces.setdefault(g.force, ForceProgress(g.force))
        force.cases += g.cases
        force.high += g.cases if g.band == "high" else 0
        force.reviewed += g.cases if g.status == "reviewed" else 0
        force.referred += g.cases if referred else 0
    return result


def progress(session: Session, p: Principal) -> Progress:
    return totals(groups(session, p))


def to_csv(found: list[Group]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for g in found:
        writer.writerow((g.force, g.band, g.status, g.outcome, "yes" if g.rape else "no", g.cases))
    return out.getvalue()


def export_csv(session: Session, p: Principal) -> str:
    found = groups(session, p)
    record(
        session,
        p.actor,
        Action.EXPORT,
        "review_progress",
        "all",
        reason=f"{sum(g.cases for g in found)} cases in {len(found)} groups as CSV",
    )
    return to_csv(found)
