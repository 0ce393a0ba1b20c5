"""The survivor portal and the right-to-review queue through the API: the same services and
policy as the pages (caselink.survivors), with bearer tokens scoped `my-case` (survivors) and
`reviews:work` (police officers)."""

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy, refusals
from caselink.access.principal import Principal
from caselink.reporting.clock import utcnow
from caselink.store.models import ReviewRequest
from caselink.survivors import portal, queue, review, victims_code
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction

router = APIRouter(prefix="/api", tags=["survivors"])
Reference = Path(..., min_length=3, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
SURVIVOR = Depends(require(policy.USE_PORTAL))
WORKER = Depends(require(policy.WORK_REVIEW_REQUESTS))


def _refused(session: Session, p: Principal, reference: str) -> JSONResponse:
    exists = select(ReviewRequest.reference).where(ReviewRequest.reference == reference)
    refusals.refused(session, p, "review_request", reference, exists)
    return JSONResponse({"detail": "no such request that you may see"}, status_code=404)


class Detail(BaseModel):
    detail: str


class FieldProblem(BaseModel):
    field: str
    message: str


class Problems(BaseModel):
    detail: list[FieldProblem]


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "No valid token or session"},
    403: {"model": Detail, "description": "Your role or token does not allow this"},
    404: {"model": Detail, "description": "Nothing with that reference that you may see"},
}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    409: {"model": Problems, "description": "Already done"},
    422: {"model": Problems, "description": "What to correct, field by field"},
}


class UpdateOut(BaseModel):
    occurred_on: date
    text: str


class DecisionOut(BaseModel):
    decided_on: date
    what: str
    why: str


class RequestOut(BaseModel):
    reference: str
    status: str
    requested_on: date
    acknowledge_by: date
    decide_by: date
    outcome: str | None
    outcome_words: str | None
    reasons: str | None


class ContactOut(BaseModel):
    name: str
    email: str
    agency: str


class MyCaseOut(BaseModel):
    reference: str
    status: str
    decisions: list[DecisionOut]
    contact: ContactOut | None
    next_steps: list[str]
    updates: list[UpdateOut]
    review_open_until: date | None
    requests: list[RequestOut]


class ReviewAsk(BaseModel):
    reason: str = Field(max_length=100_000, description="Why the decision should be reviewed")


class ReviewAnswer(BaseModel):
    outcome: str = Field(max_length=20, description="upheld or overturned")
    reason: str = Field(max_length=100_000, description="The reasons, for staff")
    survivor_explanation: str = Field(
        "",
        max_length=100_000,
        description=(
            "What the victim is told, written for them; refused if it names or identifies "
            "anyone else in the case"
        ),
    )


class Done(BaseModel):
    reference: str
    done: str


class QueuedOut(BaseModel):
    reference: str
    case_reference: str
    status: str
    acknowledge_by: str
    decide_by: str
    may_act: bool
    why_not: str | None


def _request_out(r: portal.RequestView) -> RequestOut:
    return RequestOut(
        reference=r.reference,
        status=r.status,
        requested_on=r.requested_on,
        acknowledge_by=r.acknowledge_by,
        decide_by=r.decide_by,
        outcome=r.outcome,
        outcome_words=r.outcome_words,
        reasons=r.reasons,
    )


def _problem(field: str, message: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"detail": [{"field": field, "message": message}]}, status_code=status)


@router.get("/my-case", response_model=MyCaseOut, responses=REFUSALS)
def api_my_case(
    caller: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> MyCaseOut | JSONResponse:
    p = caller.principal
    case = portal.read_my_case(db_session, p, victims_code.load(), utcnow())
    if case is None:
        return JSONResponse({"detail": "your account is not linked to a case"}, status_code=404)
    chance = case.review
    return MyCaseOut(
        reference=case.reference,
        status=case.status,
        decisions=[DecisionOut(**d.__dict__) for d in case.decisions],
        contact=ContactOut(**case.contact.__dict__) if case.contact else None,
        next_steps=case.next_steps,
        updates=[UpdateOut(occurred_on=u.occurred_on, text=u.text) for u in case.updates],
        review_open_until=chance.last_day if chance and chance.open else None,
        requests=[_request_out(r) for r in case.requests],
    )


@router.post(
    "/my-case/reviews",
    status_code=201,
    response_model=RequestOut,
    responses={**REFUSALS, **PROBLEMS},
)
def api_ask_for_review(
    body: ReviewAsk = Body(...),
    caller: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> RequestOut | JSONResponse:
    p = caller.principal
    link = portal.link_of(db_session, p)
    if link is None:
        return _problem("reason", "Your account is not linked to a case")
    try:
        made = review.request_review(
            db_session, p, victims_code.load(), link, body.reason, utcnow()
        )
    except review.ReviewProblem as problem:
        return _problem(problem.field, problem.message)
    return _request_out(portal.request_views(db_session, [made])[0])


@router.get("/my-case/reviews/{reference}", response_model=RequestOut, responses=REFUSALS)
def api_my_request(
    reference: str = Reference,
    caller: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> RequestOut | JSONResponse:
    p = caller.principal
    found = portal.request_of(db_session, p, reference)
    if found is None:
        return _refused(db_session, p, reference)
    return _request_out(portal.request_views(db_session, [found])[0])


@router.get("/right-to-review", response_model=list[QueuedOut], responses=REFUSALS)
def api_queue(
    caller: Allowed = Depends(require(policy.READ_REVIEW_REQUESTS)),
    db_session: Session = Transaction,
) -> list[QueuedOut]:
    p, now = caller.principal, utcnow()
    return [
        QueuedOut(
            reference=q.reference,
            case_reference=q.case_reference,
            status=q.status(now),
            acknowledge_by=q.acknowledge_by.isoformat(),
            decide_by=q.decide_by.isoformat(),
            may_act=q.refusal is None,
            why_not=q.refusal,
        )
        for q in queue.queue(db_session, p)
    ]


def _api_act(
    session: Session, p: Principal, reference: str, answer: ReviewAnswer | None
) -> JSONResponse:
    found = queue.find(session, p, reference)
    if found is None:
        return _refused(session, p, reference)
    try:
        if answer is None:
            review.acknowledge(session, p, found, utcnow())
        else:
            code = victims_code.load()
            review.decide(
                session,
                p,
                code,
                found,
                answer.outcome,
                answer.reason,
                utcnow(),
                answer.survivor_explanation,
            )
    except review.NotAllowed as refused:
        return JSONResponse({"detail": str(refused)}, status_code=403)
    except review.ReviewProblem as problem:
        return _problem(
            problem.field, problem.message, 409 if "already" in problem.message else 422
        )
    done = Done(reference=reference, done="decided" if answer else "acknowledged")
    return JSONResponse(done.model_dump())


@router.post(
    "/right-to-review/{reference}/acknowledge",
    response_model=Done,
    responses={**REFUSALS, **PROBLEMS},
)
def api_acknowledge(
    reference: str = Reference,
    caller: Allowed = WORKER,
    db_session: Session = Transaction,
) -> JSONResponse:
    return _api_act(db_session, caller.principal, reference, None)


@router.post(
    "/right-to-review/{reference}/decide",
    response_model=Done,
    responses={**REFUSALS, **PROBLEMS},
)
def api_decide(
    reference: str = Reference,
    body: ReviewAnswer = Body(...),
    caller: Allowed = WORKER,
    db_session: Session = Transaction,
) -> JSONResponse:
    return _api_act(db_session, caller.principal, reference, body)
