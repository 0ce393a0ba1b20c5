"""The aggregate tables the statistics publish, counted in SQL: mandatory reports received,
cases closed by outcome, closed cases under national review, networks detected — each by
police force area. Raw counts only; disclosure control is applied in publication.py.

Each table is published once, with its own totals and no figure shared with another table,
so no suppressed count can be recovered by setting one table against another.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from caselink.store.models import Area, Case, NetworkForce, Report, ReviewCase

NOT_ROUTED = "Not yet routed (national triage)"


@dataclass(frozen=True)
class CountTable:
    key: str
    title: str
    note: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def quarters(self) -> list[tuple[str, date, date]]:
        """(label, first day, last day) of each calendar quarter the period touches."""
        found = []
        year, quarter = self.start.year, (self.start.month - 1) // 3
        while date(year, quarter * 3 + 1, 1) <= self.end:
            first = date(year, quarter * 3 + 1, 1)
            nxt = date(year + (quarter == 3), (quarter + 1) % 4 * 3 + 1, 1)
            found.append((f"{year} Q{quarter + 1}", first, nxt - timedelta(days=1)))
            year, quarter = nxt.year, (nxt.month - 1) // 3
        return found


def default_period(today: date) -> Period:
    """The current quarter to date and the three before it."""
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    month = quarter_start.month - 9
    start = date(quarter_start.year - (month < 1), (month - 1) % 12 + 1, 1)
    return Period(start, today)


def _forces(session: Session) -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in session.execute(
            select(Area.id, Area.name).where(Area.kind == "force_area").order_by(Area.name)
        )
    ]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def reports_received(session: Session, period: Period) -> CountTable:
    forces = _forces(session)
    quarters = period.quarters()
    bucket = case(
        *[
            (Report.submitted_at < _moment(last + timedelta(days=1)), index)
            for index, (_, _, last) in enumerate(quarters)
        ],
        else_=len(quarters),
    )
    counts: dict[tuple[int | None, int], int] = {}
    for force_id, index, n in session.execute(
        select(Report.force_area_id, bucket, func.count())
        .where(
            Report.kind == "report",
            Report.submitted_at >= _moment(period.start),
            Report.submitted_at < _moment(period.end + timedelta(days=1)),
        )
        .group_by(Report.force_area_id, bucket)
    ):
        counts[(force_id, index)] = n
    keys: list[int | None] = [f for f, _ in forces] + [None]
    return CountTable(
        "reports_received",
        "Mandatory reports received, by police force area and quarter",
        "Reports are counted in the force area of the child's address or school.",
        (*(name for _, name in forces), NOT_ROUTED),
        tuple(label for label, _, _ in quarters),
        tuple(tuple(counts.get((k, i), 0) for i in range(len(quarters))) for k in keys),
    )


CASE_OUTCOMES = (
    ("charged", "Charged"),
    ("cautioned", "Cautioned"),
    ("no_further_action", "No further action"),
)


def case_outcomes(session: Session, period: Period) -> CountTable:
    forces = _forces(session)
    known = [code for code, _ in CASE_OUTCOMES]
    outcome = case(*[(Case.outcome == k, k) for k in known], else_="other")
    counts: dict[tuple[int, str], int] = {}
    for force_id, kind, n in session.execute(
        select(Case.force_area_id, outcome, func.count())
        .where(
            Case.status == "closed",
            Case.closed_on >= period.start,
            Case.closed_on <= period.end,
        )
        .group_by(Case.force_area_id, outcome)
    ):
        counts[(force_id, kind)] = n
    columns = [*CASE_OUTCOMES, ("other", "Other outcome")]
    return CountTable(
        "case_outcomes",
        "Cases closed, by police force area and outcome",
        "Cases closed in the period, by the outcome recorded when they were closed.",
        tuple(name for _, name in forces),
        tuple(label for _, label in columns),
        tuple(tuple(counts.get((f, k), 0) for k, _ in columns) for f, _ in forces),
    )


REVIEW_STAGES = (
    ("unreviewed", "Waiting for review"),
    ("in_review", "In review"),
    ("reviewed", "Reviewed"),
)


def cases_under_review(session: Session) -> CountTable:
    forces = _forces(session)
    stage = case((ReviewCase.status == "awaiting_approval", "in_review"), else_=ReviewCase.status)
    counts: dict[tuple[int, str], int] = {}
    for force_id, kind, n in session.execute(
        select(ReviewCase.force_area_id, stage, func.count()).group_by(
            ReviewCase.force_area_id, stage
        )
    ):
        counts[(force_id, kind)] = n
    return CountTable(
        "cases_under_review",
        "Closed cases referred to the national review, by police force area and stage",
        "All closed cases imported for review so far, by the force that closed them.",
        tuple(name for _, name in forces),
        tuple(label for _, label in REVIEW_STAGES),
        tuple(tuple(counts.get((f, k), 0) for k, _ in REVIEW_STAGES) for f, _ in forces),
    )


SPANS = (("1", "Within one force"), ("2", "Across two forces"), ("3", "Across three or more"))


def networks_detected(session: Session) -> CountTable:
    forces = _forces(session)
    spans = (
        select(NetworkForce.network_id, func.count().label("forces"))
        .group_by(NetworkForce.network_id)
        .subquery()
    )
    band = case((spans.c.forces >= 3, 3), else_=spans.c.forces)
    counts: dict[tuple[int, str], int] = {}
    for force_id, kind, n in session.execute(
        select(NetworkForce.force_area_id, band, func.count())
        .join(spans, spans.c.network_id == NetworkForce.network_id)
        .group_by(NetworkForce.force_area_id, band)
    ):
        counts[(force_id, str(kind))] = n
    return CountTable(
        "networks_detected",
        "Networks of connected cases detected, by police force area and reach",
        "A network whose cases lie in several force areas is counted in each of them, "
        "so the grand total counts network and force pairs.",
        tuple(name for _, name in forces),
        tuple(label for _, label in SPANS),
        tuple(tuple(counts.get((f, k), 0) for k, _ in SPANS) for f, _ in forces),
    )


def all_tables(session: Session, period: Period) -> list[CountTable]:
    return [
        reports_received(session, period),
        case_outcomes(session, period),
        cases_under_review(session),
        networks_detected(session),
    ]
