"""The REST API for cases and person records. Bearer tokens carry scopes; what any caller
sees is decided by the same policy as the pages."""

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.cases import reading
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction

router = APIRouter(prefix="/api", tags=["cases"])


class CaseSummary(BaseModel):
    reference: str
    force_area: str
    local_authority: str | None
    opened_on: date
    closed_on: date | None
    status: str
    outcome: str | None


class CaseList(BaseModel):
    total: int
    page: int
    cases: list[CaseSummary]


class Count(BaseModel):
    total: int


class ParticipantOut(BaseModel):
    role: str
    name: str
    date_of_birth: date | None
    agency: str
    record_id: int | None


class EventOut(BaseModel):
    occurred_on: date
    kind: str
    detail: str | None


class DecisionOut(BaseModel):
    kind: str
    outcome: str
    reason: str


class CaseDetail(CaseSummary):
    summary: str | None
    closure_reason: str | None
    participants: list[ParticipantOut]
    events: list[EventOut]
    decisions: list[DecisionOut]


class CaseRole(BaseModel):
    reference: str
    role: str


class PersonRecordOut(BaseModel):
    id: int
    agency: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    nhs_number: str | None
    phone: str | None
    email: str | None
    cases: list[CaseRole]


MAX_ID = 2**31 - 1  # ids are 32-bit in the store; larger ones are refused, not crashed on
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such case or record that you may see"}
}


def _not_found(detail: str) -> JSONResponse:
    """Returned, not raised, so that the transaction still commits the ledgered attempt."""
    return JSONResponse({"detail": detail}, status_code=404)


def _summary(row: reading.CaseRow) -> CaseSummary:
    return CaseSummary(**row.__dict__)


@router.get("/cases", response_model=CaseList)
def list_cases(
    q: str = Query("", max_length=200),
    page: int = Query(1, ge=1, le=100_000),
    caller: Allowed = Depends(require(policy.READ_CASES)),
    db_session: Session = Transaction,
) -> CaseList:
    rows, total = reading.list_cases(db_session, caller.principal, q, page)
    return CaseList(total=total, page=page, cases=[_summary(r) for r in rows])


@router.get("/cases/count", response_model=Count)
def count_cases(
    q: str = Query("", max_length=200),
    caller: Allowed = Depends(require(policy.READ_CASES)),
    db_session: Session = Transaction,
) -> Count:
    return Count(total=reading.count_cases(db_session, caller.principal, q))


@router.get("/cases/export.csv", responses={200: {"content": {"text/csv": {}}}})
def export_cases(
    q: str = Query("", max_length=200),
    caller: Allowed = Depends(require(policy.EXPORT_CASES)),
    db_session: Session = Transaction,
) -> StreamingResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "reference",
            "force_area",
            "local_authority",
            "opened_on",
            "closed_on",
            "status",
            "outcome",
        ]
    )
    for row in reading.export_cases(db_session, caller.principal, q):
        writer.writerow(
            [
                row.reference,
                row.force_area,
                row.local_authority or "",
                row.opened_on,
                row.closed_on or "",
                row.status,
                row.outcome or "",
            ]
        )
    body = buffer.getvalue()

    def chunks() -> Iterator[str]:
        yield body

    return StreamingResponse(
        chunks(),
        media_type="text/csv",
        headers={"Content-Disposition": "attachment; filename=cases.csv"},
    )


@router.get("/cases/{reference:path}", response_model=CaseDetail, responses=NOT_FOUND)
def read_case(
    reference: str,
    caller: Allowed = Depends(require(policy.READ_CASES)),
    db_session: Session = Transaction,
) -> CaseDetail | JSONResponse:
    try:
        case = reading.read_case(db_session, caller.principal, reference)
    except reading.OutOfScope:
        case = None  # the API has no break-glass: out of scope looks like absent
    if case is None:
        return _not_found("no such case that you may see")
    return CaseDetail(
        **_summary(case.row).model_dump(),
        summary=case.summary,
        closure_reason=case.closure_reason,
        participants=[ParticipantOut(**person.__dict__) for person in case.participants],
        events=[EventOut(occurred_on=d, kind=k, detail=t) for d, k, t in case.events],
        decisions=[DecisionOut(kind=k, outcome=o, reason=r) for k, o, r in case.decisions],
    )


@router.get("/records/{record_id}", response_model=PersonRecordOut, responses=NOT_FOUND)
def read_record(
    record_id: int = Path(ge=1, le=MAX_ID),
    caller: Allowed = Depends(require(policy.READ_RECORDS)),
    db_session: Session = Transaction,
) -> PersonRecordOut | JSONResponse:
    try:
        found = reading.read_record(db_session, caller.principal, record_id)
    except reading.RecordOutOfScope:
        found = None  # the API has no break-glass: out of scope looks like absent
    if found is None:
        return _not_found("no such record that you may see")
    fields = {k: v for k, v in found.__dict__.items() if k != "cases"}
    cases = [CaseRole(reference=ref, role=role) for ref, role in found.cases]
    return PersonRecordOut(**fields, cases=cases)
