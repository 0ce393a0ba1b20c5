"""The joined-up person record (`/people/{id}`, `GET /api/people/{id}`), the multi-agency
chronology (page, CSV, print view), s.16LA sharing decisions on a record, caseload
additions, and oversight's list of sharing decisions and teams. Thin: caselink.people and
the policy do the work. (Person search, `/people?q=`, lives in web/people_search.py.)"""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.ledger import Action, record, record_read
from caselink.people import chronology, joined, sharing, teams
from caselink.people.problems import Problem
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["people"])
MAX_ID = 2**31 - 1
PERSON_ID = Path(ge=1, le=MAX_ID)
RECORD_ID = Path(ge=1, le=MAX_ID)  # its own instance: FastAPI binds one to one name
READERS = Depends(require(policy.READ_RECORDS))
OVERSIGHT = Depends(require(policy.SEE_SHARING))


def _not_found(request: Request, current: Visit) -> Response:
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "Check the link. You can only see people whose records you are allowed to see.",
    )


@router.get("/people/{person_id}")
def person_page(
    request: Request,
    person_id: int = PERSON_ID,
    added: str = Query("", max_length=5),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    person = joined.read_person(db_session, principal, person_id)
    if person is None:
        return _not_found(request, current)
    return _person(request, current, db_session, principal, person, added=added == "yes")


def _person(
    request: Request,
    current: Visit,
    db_session: Session,
    principal: Principal,
    person: joined.JoinedPerson,
    status_code: int = 200,
    **context: Any,
) -> Response:
    may_add = (
        policy.may_add_to_caseload(principal)
        and not person.in_caseload
        and bool(teams.teams_of(db_session, principal))
    )
    return render(
        request,
        "people/person.html",
        principal,
        current.csrf_token,
        person=person,
        may_add=may_add,
        status_code=status_code,
        **context,
    )


@router.post("/people/{person_id}/caseload")
def add_to_caseload(
    request: Request,
    person_id: int = PERSON_ID,
    reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    try:
        teams.add_to_caseload(db_session, principal, person_id, reason)
    except Problem as problem:
        person = joined.read_person(db_session, principal, person_id)
        if person is None:
            return _not_found(request, current)
        return _person(
            request,
            current,
            db_session,
            principal,
            person,
            status_code=400,
            errors={problem.field: problem.message[:1].upper() + problem.message[1:]},
            reason=reason,
        )
    return RedirectResponse(f"/people/{person_id}?added=yes", status_code=303)


def _chronology(
    db_session: Session, principal: Principal, person_id: int, agency: str, kind: str
) -> tuple[joined.JoinedPerson, list[chronology.Entry], list[chronology.Entry]] | None:
    person = joined.read_person(db_session, principal, person_id)
    if person is None:
        return None
    every = chronology.entries(db_session, principal, person)
    record_read(db_session, principal.actor, "person_chronology", person_id)
    return person, every, chronology.filtered(every, agency, kind)


@router.get("/people/{person_id}/chronology")
def chronology_page(
    request: Request,
    person_id: int = PERSON_ID,
    agency: str = Query("", max_length=200),
    kind: str = Query("", max_length=20),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = _chronology(db_session, principal, person_id, agency, kind)
    if found is None:
        return _not_found(request, current)
    person, every, shown = found
    return render(
        request,
        "people/chronology.html",
        principal,
        current.csrf_token,
        person=person,
        entries=shown,
        agencies=sorted({e.agency for e in every}),
        kinds=chronology.KINDS,
        agency=agency,
        kind=kind,
    )


@router.get("/people/{person_id}/chronology/print")
def chronology_print(
    request: Request,
    person_id: int = PERSON_ID,
    agency: str = Query("", max_length=200),
    kind: str = Query("", max_length=20),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = _chronology(db_session, principal, person_id, agency, kind)
    if found is None:
        return _not_found(request, current)
    person, _, shown = found
    return render(
        request,
        "people/chronology_print.html",
        principal,
        current.csrf_token,
        person=person,
        entries=shown,
        printed=utcnow().date(),
    )


@router.get("/people/{person_id}/chronology.csv")
def chronology_csv(
    request: Request,
    person_id: int = PERSON_ID,
    agency: str = Query("", max_length=200),
    kind: str = Query("", max_length=20),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = _chronology(db_session, principal, person_id, agency, kind)
    if found is None:
        return _not_found(request, current)
    _, _, shown = found
    record(
        db_session,
        principal.actor,
        Action.EXPORT,
        "person_chronology",
        person_id,
        reason=f"{len(shown)} entries as CSV",
    )
    return Response(
        chronology.as_csv(shown),
        media_type="text/csv",
        headers={"Content-Disposition": f"attachment; filename=chronology-{person_id}.csv"},
    )


# --- s.16LA decisions ------------------------------------------------------------------------


@router.get("/records/{record_id}/sharing")
def sharing_form(
    request: Request,
    record_id: int = RECORD_ID,
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    held = sharing.held_by(db_session, principal, record_id)
    if held is None:
        return _not_found(request, current)
    return render(
        request,
        "people/sharing.html",
        principal,
        current.csrf_token,
        held=held,
        in_force=sharing.current(db_session, record_id),
        values={},
    )


@router.post("/records/{record_id}/sharing")
def decide_sharing(
    request: Request,
    record_id: int = RECORD_ID,
    decision: str = Form(""),
    reason: str = Form(""),
    review_on: str = Form(""),
    contact: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    held = sharing.held_by(db_session, principal, record_id)
    if held is None:
        return _not_found(request, current)
    try:
        if decision == "shared":
            sharing.share_again(db_session, principal, record_id, reason)
        else:
            sharing.not_shared(db_session, principal, record_id, reason, _date(review_on), contact)
    except Problem as problem:
        return render(
            request,
            "people/sharing.html",
            principal,
            current.csrf_token,
            held=held,
            in_force=sharing.current(db_session, record_id),
            status_code=400,
            errors={problem.field: problem.message[:1].upper() + problem.message[1:]},
            values={"reason": reason, "review_on": review_on, "contact": contact},
        )
    target = f"/people/{held.person_id}" if held.person_id else f"/records/{record_id}"
    return RedirectResponse(target, status_code=303)


def _date(text: str) -> date | None:
    """A date typed as 2027-03-01 or 1/3/2027; anything else is treated as missing."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@router.get("/oversight/sharing")
def sharing_decisions(
    request: Request, current: Allowed = OVERSIGHT, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    rows = sharing.decisions(db_session)
    record_read(db_session, principal.actor, "sharing_decisions", "*", reason=f"{len(rows)} rows")
    return render(
        request,
        "people/oversight_sharing.html",
        principal,
        current.csrf_token,
        rows=rows,
        teams=teams.describe(db_session),
        due=sharing.due(db_session, utcnow().date()),
    )


# --- The API ---------------------------------------------------------------------------------


class RecordOut(BaseModel):
    id: int
    agency: str
    agency_kind: str
    source: str
    recorded_at: datetime
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    nhs_number: str | None
    phone: str | None
    email: str | None


class WithheldOut(BaseModel):
    agency: str
    not_shared_since: datetime
    contact: str | None


class DifferenceOut(BaseModel):
    field: str
    values: list[dict[str, Any]]


class LinkOut(BaseModel):
    record_a: int
    record_b: int
    how: str
    match_probability: float | None
    evidence: str | None


class InvolvementOut(BaseModel):
    case_reference: str
    role: str
    record_id: int
    agency: str
    opened_on: date
    status: str
    report_reference: str | None


class PersonOut(BaseModel):
    person_id: int
    known_names: list[str]
    in_team_caseload: bool
    records: list[RecordOut]
    not_shared: list[WithheldOut]
    differences: list[DifferenceOut]
    links: list[LinkOut]
    cases: list[InvolvementOut]


@api.get(
    "/people/{person_id}",
    response_model=PersonOut,
    responses={
        401: {"description": "no valid token or session"},
        403: {"description": "a token without records:read, or a role that reads no records"},
        404: {"description": "no such person that you may see"},
    },
)
def read_person(
    person_id: int = PERSON_ID,
    current: Allowed = READERS,
    db_session: Session = Transaction,
) -> PersonOut | JSONResponse:
    person = joined.read_person(db_session, current.principal, person_id)
    if person is None:
        return JSONResponse({"detail": "no such person that you may see"}, status_code=404)
    return PersonOut(
        person_id=person.person_id,
        known_names=person.known_names,
        in_team_caseload=person.in_caseload,
        records=[
            RecordOut(**{k: v for k, v in asdict(r).items() if k != "agency_id"})
            for r in person.records
        ],
        not_shared=[
            WithheldOut(agency=w.agency, not_shared_since=w.since, contact=w.contact)
            for w in person.withheld
        ],
        differences=[
            DifferenceOut(
                field=d.field,
                values=[{"value": v, "agencies": a} for v, a in d.values],
            )
            for d in person.differences
        ],
        links=[
            LinkOut(
                record_a=link.record_a,
                record_b=link.record_b,
                how=link.how,
                match_probability=link.probability,
                evidence=f"/linkage/review/{link.candidate_id}" if link.candidate_id else None,
            )
            for link in person.links
        ],
        cases=[InvolvementOut(**asdict(i)) for i in person.involvements],
    )
