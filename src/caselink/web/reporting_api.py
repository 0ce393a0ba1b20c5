"""The reporting API: file a report, fetch its receipt, read the inbox, acknowledge.

The body of POST /api/reports has the same shape as the web form (see
`caselink.reporting.submission`); problems come back as 422 with one entry per field.
Send an `Idempotency-Key` header so a retried request files one report, not two.
"""

from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.refusals import Refused
from caselink.access.tokens import Bearer, ScopeRefused, TokenRefused
from caselink.reporting import (
    actions,
    group_commit,
    inbox,
    intake,
    prevention,
    receipts,
    rules,
    submission,
)
from caselink.reporting.clock import utcnow
from caselink.store.db import Database
from caselink.store.models import Report
from caselink.web.permissions import Allowed, require
from caselink.web.security import (
    Forbidden,
    SignInRequired,
    Transaction,
    api_principal_alone,
    database,
    unavailable_as_503,
)

router = APIRouter(prefix="/api/reports", tags=["reports"])
SUBMIT = policy.FILE_REPORTS.scope or ""  # the scope a token needs to file
Reference = Path(..., min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$")

EXAMPLE = {
    "reporter_role": "teacher",
    "reporter_setting": "Millbridge Primary School",
    "trigger": "child_told",
    "learned_on": "2026-11-23",
    "what_happened": "During a lesson the child told me an adult at a takeaway ...",
    "immediate_danger": "no",
    "child": {"given_name": "Amy", "family_name": "Example", "postcode": "NM4 2QD"},
    "suspects": [{"given_name": "Mo", "phone": "07700 900123", "vehicle": "AB12 CDE"}],
}


class FieldProblem(BaseModel):
    field: str
    message: str


class Problems(BaseModel):
    detail: list[FieldProblem]


class RouteOut(BaseModel):
    destination: str
    acknowledge_by: str


class InboxItem(BaseModel):
    reference: str
    urgent: bool
    status: str
    submitted_at: str
    routes: list[RouteOut]


class InboxPage(BaseModel):
    total: int
    page: int
    reports: list[InboxItem]


class Detail(BaseModel):
    detail: str


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "No valid token or session"},
    403: {"model": Detail, "description": "Your role or token does not allow this"},
    404: {"model": Detail, "description": "No report with that reference that you may see"},
}


def _problems(problems: dict[str, str]) -> JSONResponse:
    body = [{"field": k, "message": v} for k, v in problems.items()]
    return JSONResponse({"detail": body}, status_code=422)


@router.post(
    "",
    status_code=201,
    responses={
        **REFUSALS,
        200: {"description": "A repeat of a report already filed: its receipt"},
        409: {"model": Detail, "description": "The Idempotency-Key was used for other content"},
        422: {"model": Problems},
        503: {"model": Detail, "description": "The database is unavailable: retry, same key"},
    },
)
async def file_report(
    request: Request,
    body: dict[str, Any] = Body(..., examples=[EXAMPLE]),
    idempotency_key: str | None = Header(None, max_length=100),
    allowed: Allowed | Bearer = Depends(require(policy.FILE_REPORTS, "in_filing")),
) -> Response:
    """File a mandatory report; the response is its receipt."""
    # async: checking the submission is quick, and the filing waits for the group commit's
    # transaction without holding a connection or a thread of the pool. A bearer token is
    # checked in that transaction, with the rest of its batch's tokens, in one query (and
    # refused there, as intake.NotAllowed, unless the permission allows its owner).
    caller = allowed.principal if isinstance(allowed, Allowed) else allowed
    db, duty = database(request), rules.load()
    try:
        checked = submission.read(body, duty, utcnow().date())
    except submission.Rejected as rejected:
        if isinstance(caller, Bearer):  # problems are told only to someone who may file
            principal = await run_in_threadpool(_check_now, request)
            if not policy.FILE_REPORTS.allows(principal):
                return _not_a_filer()
        return _problems(rejected.problems)
    filing = intake.Filing(caller, checked, idempotency_key)
    with unavailable_as_503():
        try:
            filed = await group_commit.for_database(db, duty).file_soon(filing)
        except TokenRefused:
            raise SignInRequired() from None
        except ScopeRefused:
            raise Forbidden() from None
        except intake.NotAllowed:
            return _not_a_filer()
        except intake.KeyReused as reused:
            return JSONResponse({"detail": str(reused)}, status_code=409)
        assert filed.filer is not None
        request.state.user_id = filed.filer.user_id  # for the request log: an id, never a name
        if not filed.duplicate:
            return JSONResponse(receipts.for_new_report(filed), status_code=201)
        return JSONResponse(await run_in_threadpool(_receipt_of, db, filed.filer, filed.reference))


_check_now = api_principal_alone(SUBMIT)  # the same check, made at once


def _not_a_filer() -> JSONResponse:
    return JSONResponse({"detail": "Only reporters and officers file reports"}, status_code=403)


def _receipt_of(db: Database, principal: Principal, reference: str) -> dict[str, Any]:
    with db.transaction() as session:
        view = inbox.find(session, principal, reference, ledger_read=False)
        assert view is not None
        return receipts.receipt(session, view)


@router.get("/inbox", response_model=InboxPage, responses=REFUSALS)
def inbox_list(
    page: int = Query(1, ge=1, le=10_000),
    caller: Allowed = Depends(require(policy.WORK_INBOX)),
    db_session: Session = Transaction,
) -> InboxPage:
    rows, total = inbox.inbox(db_session, caller.principal, page)
    return InboxPage(
        total=total,
        page=page,
        reports=[
            InboxItem(
                reference=r.reference,
                urgent=r.urgent,
                status=r.status,
                submitted_at=r.submitted_at.isoformat(),
                routes=[
                    RouteOut(destination=x.destination, acknowledge_by=x.due_at.isoformat())
                    for x in r.routes
                ],
            )
            for r in rows
        ],
    )


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"detail": "No report with that reference that you may see"}, status_code=404
    )


@router.get("/{reference}/receipt", responses=REFUSALS)
def receipt(
    reference: str = Reference,
    caller: Allowed = Depends(require(policy.READ_REPORTS)),
    db_session: Session = Transaction,
) -> Response:
    """The receipt, with its inclusion proof once a signed checkpoint covers it."""
    view = inbox.find(db_session, caller.principal, reference)
    if view is None:
        return _not_found()
    return JSONResponse(receipts.receipt(db_session, view))


@router.post("/{reference}/acknowledge", responses=REFUSALS)
def acknowledge(
    reference: str = Reference,
    caller: Allowed = Depends(require(policy.WORK_REPORTS)),
    db_session: Session = Transaction,
) -> Response:
    principal = caller.principal
    view = inbox.find(db_session, principal, reference, ledger_read=False)
    report = (
        db_session.scalar(select(Report).where(Report.reference == reference)) if view else None
    )
    if report is None:
        return _not_found()
    try:
        fresh = actions.acknowledge(db_session, principal, report)
    except actions.ActionRefused as refused:
        return JSONResponse({"detail": str(refused)}, status_code=403)
    return JSONResponse({"reference": reference, "acknowledged": True, "already": not fresh})


# Edits, deletions and withdrawals are not operations of the API (so not in its document);
# the routes exist so that trying one is refused, recorded and shown to oversight.
@router.api_route(
    "/{reference}", methods=["DELETE", "PUT", "PATCH"], status_code=405, include_in_schema=False
)
@router.post("/{reference}/withdraw", status_code=405, include_in_schema=False)
def refuse_change(
    request: Request,
    reference: str = Reference,
    caller: Allowed = Depends(require(policy.READ_REPORTS)),
    db_session: Session = Transaction,
) -> Response:
    """Always refused, and the attempt is recorded; shown to oversight as a possible act of
    preventing a report only when the report is one the caller may see (a report elsewhere,
    or none, is the ledgered attempt alone: the same answer, by the same path)."""
    verb = {"DELETE": "delete", "PUT": "edit", "PATCH": "edit"}.get(request.method, "withdraw")
    try:
        report: Report | None = inbox.readable(db_session, caller.principal, reference)
    except Refused:
        report = None
    prevention.attempted(db_session, caller.principal, report, reference, verb)
    return JSONResponse(
        {"detail": "Reports cannot be edited, deleted or withdrawn; the attempt is recorded"},
        status_code=405,
        headers={"Allow": "GET"},
    )
