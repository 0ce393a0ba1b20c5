"""Pages for reviewing uncertain links: the queue, one pair with its evidence, and the
analyst's confirm or reject. Thin: the queue, the policy and the decision do the work."""

import math
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.linkage import decisions, queue
from caselink.linkage.evidence import Evidence
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
CANDIDATE_ID = Path(ge=1, le=2**31 - 1)

# Waterfall geometry, in SVG user units.
CHART_WIDTH = 640  # the bars' area; names sit to its left, values to each bar's right
LABEL_WIDTH = 170
VALUE_WIDTH = 60
ROW_HEIGHT = 30
BAR_HEIGHT = 20
AXIS_HEIGHT = 44
# What each comparison is called on the page (the model's names are identifiers).
COMPARISON_NAMES = {
    "prior": "Starting point",
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "home": "Address and postcode",
    "nhs_number": "NHS number",
    "email": "Email",
    "match weight": "Match weight",
}


@dataclass(frozen=True)
class WaterfallBar:
    name: str
    label: str
    weight: float
    x: float
    y: float
    width: float
    colour: str  # a GOV.UK colour: green for, red against, blue for the prior and total
    value_x: float  # where the bar's value is written, just past its end

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 5


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Waterfall:
    bars: list[WaterfallBar]
    height: int  # of the rows; the axis is drawn below them
    zero_x: float
    ticks: list[Tick]
    left: int = LABEL_WIDTH
    width: int = LABEL_WIDTH + CHART_WIDTH + VALUE_WIDTH

    @property
    def full_height(self) -> int:
        return self.height + AXIS_HEIGHT


def comparison_name(name: str) -> str:
    return COMPARISON_NAMES.get(name, name.replace("_", " ").capitalize())


def waterfall(evidence: Evidence) -> Waterfall:
    """Each bar starts where the running total stands and moves it by the bar's weight;
    the last bar is the total. Every bar is named on its left and carries its value, and an
    axis of match weights runs below, so the chart reads without hovering. Drawn as SVG
    shapes, so no inline style is needed."""
    steps: list[tuple[str, str, float, float, float]] = []  # name, label, weight, from, to
    total = 0.0
    for bar in evidence.bars:
        steps.append((bar.comparison, bar.label, bar.weight, total, total + bar.weight))
        total += bar.weight
    steps.append(("match weight", "all the evidence together", total, 0.0, total))
    low = math.floor(min([0.0] + [min(a, b) for *_, a, b in steps]))
    high = math.ceil(max([0.0] + [max(a, b) for *_, a, b in steps]))
    scale = CHART_WIDTH / max(high - low, 1.0)
    bars = []
    for index, (name, label, weight, start, end) in enumerate(steps):
        if index == 0 or index == len(steps) - 1:
            colour = "#1d70b8"
        else:
            colour = "#00703c" if weight > 0 else "#d4351c" if weight < 0 else "#505a5f"
        x = LABEL_WIDTH + round((min(start, end) - low) * scale, 1)
        width = max(round(abs(end - start) * scale, 1), 1.0)
        bars.append(
            WaterfallBar(
                name=comparison_name(name),
                label=label,
                weight=weight,
                x=x,
                y=index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                width=width,
                colour=colour,
                value_x=x + width + 4,
            )
        )
    step = max(1, math.ceil((high - low) / 8))
    ticks = [
        Tick(LABEL_WIDTH + round((value - low) * scale, 1), f"{value:+d}" if value else "0")
        for value in range(int(low), int(high) + 1, step)
    ]
    zero_x = LABEL_WIDTH + round(-low * scale, 1)
    return Waterfall(bars, len(steps) * ROW_HEIGHT, zero_x, ticks)


READER = Depends(require(policy.READ_LINK_REVIEWS))


def _not_found(request: Request, current: Visit) -> Response:
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "There is no such proposed link that you may see.",
    )


@router.get("/linkage/review")
def review_queue(
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    done: str = Query("", max_length=10),
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    rows, total = queue.open_queue(db_session, principal, page)
    record_read(db_session, principal.actor, "link_review_queue", f"page {page}")
    pages = max(1, -(-total // queue.PAGE_SIZE))
    return render(
        request,
        "linkage/queue.html",
        principal,
        current.csrf_token,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        done=done if done in ("confirm", "reject") else "",
    )


def _pair_page(
    request: Request,
    current: Visit,
    principal: Principal,
    found: queue.Review,
    errors: dict[str, str] | None = None,
    verdict: str = "",
    reason: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "linkage/pair.html",
        principal,
        current.csrf_token,
        review=found,
        fields=queue.SHOWN_FIELDS,
        chart=waterfall(found.evidence),
        may_decide=policy.may_decide_links(principal) and found.decided is None,
        errors=errors or {},
        verdict=verdict,
        reason=reason,
        status_code=status_code,
    )


@router.get("/linkage/review/{candidate_id}")
def review_pair(
    request: Request,
    candidate_id: int = CANDIDATE_ID,
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = queue.review(db_session, principal, candidate_id)
    if found is None:
        return _not_found(request, current)
    record_read(db_session, principal.actor, "link_candidate", candidate_id)
    return _pair_page(request, current, principal, found)


@router.post("/linkage/review/{candidate_id}")
def decide_pair(
    request: Request,
    candidate_id: int = CANDIDATE_ID,
    verdict: str = Form("", max_length=10),
    reason: str = Form("", max_length=5000),
    csrf_token: str = Form(""),
    current: Allowed = Depends(require(policy.DECIDE_LINKS)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    candidate = queue.find(db_session, principal, candidate_id)
    found = queue.review(db_session, principal, candidate_id)
    if candidate is None or found is None:
        return _not_found(request, current)
    if found.decided is not None:
        return _pair_page(
            request,
            current,
            principal,
            found,
            errors={"verdict": "This pair has already been decided"},
            status_code=409,
        )
    try:
        decisions.decide(db_session, principal.actor, candidate, verdict, reason)
    except decisions.DecisionRefused as refused:
        field = "reason" if "reason" in str(refused) else "verdict"
        return _pair_page(
            request,
            current,
            principal,
            found,
            errors={field: str(refused)},
            verdict=verdict,
            reason=reason,
            status_code=400,
        )
    return RedirectResponse(f"/linkage/review?done={verdict}", status_code=303)
