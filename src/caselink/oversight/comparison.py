"""Force comparison for oversight: how each police force area (or local authority) handles
reports and cases, against the national figure, with outliers named and the gap measured.

Counts and sums are aggregated in SQL; time to acknowledge and to first action are read one
row per report route (already aggregated by route) because medians are not portable SQL.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from caselink.reporting.clock import aware, utcnow
from caselink.store.models import (
    AccessGrant,
    Agency,
    Area,
    Case,
    Escalation,
    Report,
    ReportAction,
    ReportRoute,
    ReviewCase,
    SharingDecision,
    User,
)

# Closure reasons the national audit found written on children's cases: they blame the child.
POOR_REASONS = frozenset(
    {
        "consent",
        "lifestyle_choice",
        "not_credible",
        "willing_participant",
        "boyfriend_relationship",
        "victim not credible",
        "lifestyle choice",
        "victim seen as willing participant",
        "relationship described as boyfriend",
    }
)
FIRST_ACTIONS = ("request_information", "link_case", "open_case", "close", "request_closure")
CLOSING = ("close", "request_closure")
# When a figure is an outlier: slower than this multiple of the national median, or this
# many percentage points worse than the national rate (and unlikely to be chance).
SLOW_RATIO = 1.5
POINTS = 10.0
MIN_TIMED = 5
MIN_RATE_BASE = 10
Z_CHANCE = 2.0


Column = ColumnElement[Any] | InstrumentedAttribute[Any]


class By(StrEnum):
    FORCE = "force_area"
    LOCAL_AUTHORITY = "local_authority"


@dataclass(frozen=True)
class Window:
    start: date | None = None
    end: date | None = None  # inclusive

    def on(self, column: Column) -> ColumnElement[bool]:
        parts = []
        if self.start:
            parts.append(column >= self.start)
        if self.end:
            parts.append(column <= self.end)
        return and_(*parts) if parts else true()

    def at(self, column: Column) -> ColumnElement[bool]:
        parts = []
        if self.start:
            parts.append(column >= datetime.combine(self.start, time.min, tzinfo=UTC))
        if self.end:
            after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
            parts.append(column < after)
        return and_(*parts) if parts else true()


@dataclass
class Figure:
    value: float | None
    base: int  # how many reports/cases it is computed from
    gap: str | None = None  # set when an outlier: "2.4 times the national median"


@dataclass
class Metric:
    key: str
    label: str
    unit: str  # hours | percent | count
    worse: str  # higher | lower
    national: float | None = None
    national_label: str = ""
    figures: dict[int, Figure] = field(default_factory=dict)

    def shown(self, value: float | None) -> str:
        if value is None:
            return "none"
        if self.unit == "hours":
            return f"{value:.1f} h"
        if self.unit == "percent":
            return f"{value:.0f}%"
        return f"{value:g}"

    @property
    def outliers(self) -> int:
        return sum(1 for f in self.figures.values() if f.gap)


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    parent: str | None


@dataclass
class Comparison:
    by: By
    window: Window
    places: list[Place]
    metrics: list[Metric]
    reasons: dict[int, list[tuple[str, int, bool]]]  # place -> (reason, count, poor)


def _places(session: Session, by: By) -> list[Place]:
    parent = aliased(Area)
    rows = session.execute(
        select(Area.id, Area.name, parent.name)
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(Area.kind == by.value)
        .order_by(Area.name)
    )
    return [Place(i, name, p) for i, name, p in rows]


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else (aware(later) - aware(earlier)).total_seconds() / 3600


def _route_rows(session: Session, by: By, window: Window) -> list[tuple[Any, ...]]:
    """One row per report route into the chosen kind of agency."""
    kind = "police_force" if by == By.FORCE else "local_authority"
    first = select(
        ReportAction.route_id.label("route_id"),
        func.min(case((ReportAction.kind == "acknowledge", ReportAction.at))).label("ack"),
        func.min(case((ReportAction.kind.in_(FIRST_ACTIONS), ReportAction.at))).label("act"),
        func.max(case((ReportAction.kind.in_(CLOSING), 1), else_=0)).label("closed"),
    ).group_by(ReportAction.route_id)
    firsts = first.subquery()
    escalated = (
        select(Escalation.route_id, func.count().label("steps"))
        .group_by(Escalation.route_id)
        .subquery()
    )
    return [
        tuple(row)
        for row in session.execute(
            select(
                Agency.area_id,
                ReportRoute.routed_at,
                ReportRoute.due_at,
                firsts.c.ack,
                firsts.c.act,
                func.coalesce(firsts.c.closed, 0),
                func.coalesce(escalated.c.steps, 0),
            )
            .join(Agency, Agency.id == ReportRoute.agency_id)
            .join(Report, Report.id == ReportRoute.report_id)
            .outerjoin(firsts, firsts.c.route_id == ReportRoute.id)
            .outerjoin(escalated, escalated.c.route_id == ReportRoute.id)
            .where(Agency.kind == kind, Report.kind == "report", window.at(ReportRoute.routed_at))
        )
    ]


def _median_metric(
    key: str, label: str, values: dict[int, list[float]], pooled: Iterable[float]
) -> Metric:
    metric = Metric(key, label, "hours", "higher")
    every = list(pooled)
    metric.national = statistics.median(every) if every else None
    metric.national_label = "national median"
    for place, hours in values.items():
        value = statistics.median(hours) if hours else None
        figure = Figure(value, len(hours))
        national = metric.national
        if (
            value is not None
            and national
            and len(hours) >= MIN_TIMED
            and value >= SLOW_RATIO * national
        ):
            figure.gap = f"{value / national:.1f} times the national median"
        metric.figures[place] = figure
    return metric


def _rate_metric(key: str, label: str, worse: str, counts: dict[int, tuple[int, int]]) -> Metric:
    """counts: place -> (how many have the property, out of how many)."""
    metric = Metric(key, label, "percent", worse)
    hits = sum(h for h, _ in counts.values())
    base = sum(n for _, n in counts.values())
    national = hits / base if base else None
    metric.national = None if national is None else 100 * national
    metric.national_label = "national rate"
    for place, (h, n) in counts.items():
        value = h / n if n else None
        figure = Figure(None if value is None else 100 * value, n)
        if value is not None and national is not None and n >= MIN_RATE_BASE:
            diff = 100 * (value - national)
            spread = math.sqrt(max(national * (1 - national), 1e-9) / n)
            bad = diff > 0 if worse == "higher" else diff < 0
            if bad and abs(diff) >= POINTS and abs(value - national) / spread >= Z_CHANCE:
                figure.gap = f"{diff:+.0f} points"
        metric.figures[place] = figure
    return metric


def _count_metric(key: str, label: str, counts: dict[int, int]) -> Metric:
    metric = Metric(key, label, "count", "higher")
    metric.national = statistics.median(counts.values()) if counts else None
    metric.national_label = "median across areas"
    for place, n in counts.items():
        figure = Figure(float(n), n)
        if metric.national is not None and n >= 3 and n >= 2 * metric.national:
            figure.gap = (
                f"{n / metric.national:.1f} times the national median"
                if metric.national
                else f"{n} against a national median of 0"
            )
        metric.figures[place] = figure
    return metric


def _report_metrics(
    session: Session, by: By, window: Window, places: list[Place], now: datetime
) -> list[Metric]:
    to_ack: dict[int, list[float]] = {p.id: [] for p in places}
    to_act: dict[int, list[float]] = {p.id: [] for p in places}
    late: dict[int, list[int]] = {p.id: [0, 0] for p in places}
    closed: dict[int, list[int]] = {p.id: [0, 0] for p in places}
    escalated: dict[int, list[int]] = {p.id: [0, 0] for p in places}
    for area, routed, due, ack, act, was_closed, steps in _route_rows(session, by, window):
        if area not in late:
            continue
        hours = _hours(ack, routed)
        if hours is not None:
            to_ack[area].append(hours)
        acted = _hours(act, routed)
        if acted is not None:
            to_act[area].append(acted)
        overdue = aware(ack) > aware(due) if ack else (now > aware(due) and not was_closed)
        late[area][0] += overdue
        closed[area][0] += bool(was_closed)
        escalated[area][0] += steps > 0
        for tally in (late, closed, escalated):
            tally[area][1] += 1
    return [
        _median_metric(
            "time_to_acknowledge",
            "Time to acknowledge a report",
            to_ack,
            (h for hs in to_ack.values() for h in hs),
        ),
        _median_metric(
            "time_to_first_action",
            "Time to first action on a report",
            to_act,
            (h for hs in to_act.values() for h in hs),
        ),
        _rate_metric(
            "overdue",
            "Reports acknowledged late or still overdue",
            "higher",
            {k: (v[0], v[1]) for k, v in late.items()},
        ),
        _rate_metric(
            "escalated",
            "Reports escalated for want of acknowledgement",
            "higher",
            {k: (v[0], v[1]) for k, v in escalated.items()},
        ),
        _rate_metric(
            "reports_closed",
            "Reports closed without a case",
            "higher",
            {k: (v[0], v[1]) for k, v in closed.items()},
        ),
    ]


def _case_metrics(session: Session, by: By, window: Window, places: list[Place]) -> list[Metric]:
    column = Case.force_area_id if by == By.FORCE else Case.local_authority_id
    rows = session.execute(
        select(
            column,
            func.count(),
            func.sum(case((Case.outcome == "no_further_action", 1), else_=0)),
            func.sum(case((Case.outcome == "charged", 1), else_=0)),
        )
        .where(Case.status == "closed", window.on(Case.closed_on))
        .group_by(column)
    ).all()
    found = {area: (n, int(nfa or 0), int(charged or 0)) for area, n, nfa, charged in rows}
    totals = {p.id: found.get(p.id, (0, 0, 0)) for p in places}
    return [
        _rate_metric(
            "cases_nfa",
            "Cases closed with no further action",
            "higher",
            {k: (v[1], v[0]) for k, v in totals.items()},
        ),
        _rate_metric(
            "charge_rate",
            "Cases closed with a charge",
            "lower",
            {k: (v[2], v[0]) for k, v in totals.items()},
        ),
    ]


def _review_metrics(session: Session, window: Window, places: list[Place]) -> list[Metric]:
    rows = session.execute(
        select(
            ReviewCase.force_area_id,
            func.count(),
            func.sum(case((ReviewCase.closure_reason.in_(POOR_REASONS), 1), else_=0)),
        )
        .where(window.on(ReviewCase.closed_on))
        .group_by(ReviewCase.force_area_id)
    ).all()
    found = {area: (n, int(poor or 0)) for area, n, poor in rows}
    return [
        _rate_metric(
            "review_poor_reason",
            "Closed cases (national review) closed citing consent, lifestyle or credibility",
            "higher",
            {p.id: (found.get(p.id, (0, 0))[1], found.get(p.id, (0, 0))[0]) for p in places},
        )
    ]


def _agency_place(area: Any, by: By) -> Any:
    """The place an agency's area counts in: its force (a local authority's parent) when
    comparing forces, the area itself when comparing local authorities."""
    if by == By.FORCE:
        return case((area.kind == "local_authority", area.parent_id), else_=area.id)
    return area.id


def _break_glass(session: Session, by: By, window: Window, places: list[Place]) -> Metric:
    """Break-glass grants, counted in the area of the agency of the person who broke glass."""
    area = aliased(Area)
    key = _agency_place(area, by)
    rows = session.execute(
        select(key, func.count())
        .select_from(AccessGrant)
        .join(User, User.id == AccessGrant.user_id)
        .join(Agency, Agency.id == User.agency_id)
        .join(area, area.id == Agency.area_id)
        .where(AccessGrant.kind == "break_glass", window.at(AccessGrant.granted_at))
        .group_by(key)
    ).all()
    found: dict[int, int] = {area_id: n for area_id, n in rows}
    return _count_metric(
        "break_glass", "Break-glass openings", {p.id: int(found.get(p.id, 0)) for p in places}
    )


def _not_shared(session: Session, by: By, window: Window, places: list[Place]) -> Metric:
    """s.16LA decisions not to share a record, made in the window, counted in the area of the
    agency that holds the record (a high count asks whether the duty to share is met)."""
    area = aliased(Area)
    key = _agency_place(area, by)
    rows = session.execute(
        select(key, func.count())
        .select_from(SharingDecision)
        .join(Agency, Agency.id == SharingDecision.agency_id)
        .join(area, area.id == Agency.area_id)
        .where(SharingDecision.decision == "not_shared", window.at(SharingDecision.decided_at))
        .group_by(key)
    ).all()
    found: dict[int, int] = {area_id: n for area_id, n in rows}
    return _count_metric(
        "not_shared",
        "Records not shared with the child protection team (s.16LA)",
        {p.id: int(found.get(p.id, 0)) for p in places},
    )


def _reasons(session: Session, by: By, window: Window) -> dict[int, list[tuple[str, int, bool]]]:
    """The reasons given for closing with no further action, per area, commonest first:
    case closure reasons, and for forces the reasons on closed cases under national review."""
    column = Case.force_area_id if by == By.FORCE else Case.local_authority_id
    tally: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for area, reason, n in session.execute(
        select(column, Case.closure_reason, func.count())
        .where(
            Case.status == "closed",
            Case.outcome == "no_further_action",
            window.on(Case.closed_on),
        )
        .group_by(column, Case.closure_reason)
    ):
        if area is not None:
            tally[area][(reason or "no reason recorded").replace("_", " ")] += n
    if by == By.FORCE:
        for area, reason, n in session.execute(
            select(ReviewCase.force_area_id, ReviewCase.closure_reason, func.count())
            .where(
                ReviewCase.closure_outcome == "no_further_action", window.on(ReviewCase.closed_on)
            )
            .group_by(ReviewCase.force_area_id, ReviewCase.closure_reason)
        ):
            tally[area][reason.replace("_", " ")] += n
    return {
        area: sorted(
            ((r, n, r in POOR_REASONS) for r, n in counts.items()), key=lambda t: (-t[1], t[0])
        )
        for area, counts in tally.items()
    }


def compare(session: Session, by: By, window: Window, now: datetime | None = None) -> Comparison:
    now = now or utcnow()
    places = _places(session, by)
    metrics = _report_metrics(session, by, window, places, now)
    metrics += _case_metrics(session, by, window, places)
    if by == By.FORCE:
        metrics += _review_metrics(session, window, places)
    metrics.append(_break_glass(session, by, window, places))
    metrics.append(_not_shared(session, by, window, places))
    return Comparison(by, window, places, metrics, _reasons(session, by, window))
