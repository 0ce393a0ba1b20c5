"""Pages of the historical case review: the queue, one case with the factors of its priority,
outcomes and second-reviewer approval, and progress with a CSV export.

Case reviewers work the queue; oversight officers read everything and change nothing; every
other role is refused. The policy module decides who may do what; caselink.review does it.
"""

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.review import progress as review_progress
from caselink.review import queue
from caselink.review.reading import read_case
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
QUEUE_SHOWN = 20
READER = Depends(require(policy.READ_REVIEW))
REVIEWER = Depends(require(policy.REVIEW_CASES))


def _reviewer(current: Allowed, csrf_token: str) -> Principal:
    check_csrf(current, csrf_token)
    return current.principal


def _case_url(reference: str) -> str:
    return f"/review/cases/{reference}"


@router.get("/review")
def queue_page(
    request: Request, current: Allowed = READER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    return render(
        request,
        "review/queue.html",
        principal,
        current.csrf_token,
        held=queue.claimed_by(db_session, principal),
        to_approve=queue.awaiting_approval(db_session, principal),
        rows=queue.top(db_session, principal, QUEUE_SHOWN),
        may_review=policy.may_review(principal),
        may_import=policy.may_import_review_cases(principal),
        empty=request.query_params.get("empty") == "1",
    )


@router.post("/review/next")
def take_next(
    csrf_token: str = Form(""),
    current: Allowed = REVIEWER,
    db_session: Session = Transaction,
) -> Response:
    principal = _reviewer(current, csrf_token)
    reference = queue.claim_next(db_session, principal)
    if reference is None:
        return RedirectResponse("/review?empty=1", status_code=303)
    return RedirectResponse(_case_url(reference), status_code=303)


def _case_page(
    request: Request,
    current: Visit,
    db_session: Session,
    principal: Principal,
    reference: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = read_case(db_session, principal, reference)
    if view is None:
        return not_found(
            request,
            principal,
            current.csrf_token,
            "There is no review case with this reference.",
            link=("/review", "Go to the review queue"),
        )
    return render(
        request,
        "review/case.html",
        principal,
        current.csrf_token,
        view=view,
        outcomes=queue.OUTCOMES,
        errors=errors or {},
        values=values or {},
        status_code=status_code,
    )


@router.get("/review/cases/{reference:path}")
def case_page(
    request: Request,
    reference: str,
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    return _case_page(request, current, db_session, current.principal, reference)


def _refused(
    request: Request,
    current: Visit,
    db_session: Session,
    principal: Principal,
    reference: str,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    return _case_page(request, current, db_session, principal, reference, errors, values, 400)


@router.post("/review/cases/{reference:path}/outcome")
def record_outcome(
    request: Request,
    reference: str,
    outcome: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = REVIEWER,
    db_session: Session = Transaction,
) -> Response:
    principal = _reviewer(current, csrf_token)
    values = {"outcome": outcome, "reason": reason}
    errors: dict[str, str] = {}
    if outcome not in queue.OUTCOMES:
        errors["outcome"] = "Choose the outcome of your review"
    if problem := queue.reason_problem(reason):
        errors["reason"] = problem
    if not errors:
        try:
            queue.record_outcome(db_session, principal, reference, outcome, reason)
        except LookupError:
            return _case_page(request, current, db_session, principal, reference)
        except queue.ReviewRefused as refused:
            errors["outcome"] = str(refused)
    if errors:
        return _refused(request, current, db_session, principal, reference, errors, values)
    return RedirectResponse(_case_url(reference), status_code=303)


@router.post("/review/cases/{reference:path}/approval")
def decide_approval(
    request: Request,
    reference: str,
    decision: str = Form(""),
    approval_reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = REVIEWER,
    db_session: Session = Transaction,
) -> Response:
    principal = _reviewer(current, csrf_token)
    values = {"decision": decision, "approval_reason": approval_reason}
    errors: dict[str, str] = {}
    if decision not in ("approve", "refuse"):
        errors["decision"] = "Choose whether you approve this outcome"
    if problem := queue.reason_problem(approval_reason):
        errors["approval_reason"] = problem
    if not errors:
        try:
            queue.decide_approval(
                db_session, principal, reference, decision == "approve", approval_reason
            )
        except LookupError:
            return _case_page(request, current, db_session, principal, reference)
        except queue.ReviewRefused as refused:
            errors["decision"] = str(refused)
    if errors:
        return _refused(request, current, db_session, principal, reference, errors, values)
    return RedirectResponse(_case_url(reference), status_code=303)


@router.post("/review/cases/{reference:path}/release")
def release(
    request: Request,
    reference: str,
    release_reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = REVIEWER,
    db_session: Session = Transaction,
) -> Response:
    principal = _reviewer(current, csrf_token)
    values = {"release_reason": release_reason}
    try:
        queue.release(db_session, principal, reference, release_reason)
    except LookupError:
        return _case_page(request, current, db_session, principal, reference)
    except (queue.ReviewRefused, ValueError) as refused:
        errors = {"release_reason": str(refused)}
        return _refused(request, current, db_session, principal, reference, errors, values)
    return RedirectResponse("/review", status_code=303)


@router.get("/review/progress")
def progress_page(
    request: Request, current: Allowed = READER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    return render(
        request,
        "review/progress.html",
        principal,
        current.csrf_token,
        totals=review_progress.progress(db_session, principal),
        bands=("high", "medium", "low", "unscored"),
        statuses=review_progress.STATUSES,
        outcomes=queue.OUTCOMES,
    )


@router.get("/review/progress.csv")
def progress_export(current: Allowed = READER, db_session: Session = Transaction) -> Response:
    principal = current.principal
    return Response(
        review_progress.export_csv(db_session, principal),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="review-progress.csv"'},
    )
