"""Finding a person: the search page (`/people?q=...`) and `GET /api/people`. Thin: the
query is read by caselink.people.query and answered, within the policy, by people.search."""

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.people import query as person_query
from caselink.people.search import Found, search
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction
from caselink.web.templating import render

router = APIRouter()
SEARCHERS = Depends(require(policy.SEARCH_PEOPLE))
MAX_TEXT = 200


class PersonFound(BaseModel):
    person_id: int | None
    record_id: int
    name: str
    date_of_birth: date | None
    postcode: str | None
    agencies: list[str]
    reasons: list[str]
    href: str


class FieldProblem(BaseModel):
    field: str
    message: str


class PeopleFound(BaseModel):
    """`problems` names each field that could not be read (an NHS number failing its check
    digit, a date that does not exist); when there are any, nothing was searched and
    `people` is empty. A search that cannot be read is answered, not refused: every request
    the schema allows gets a 200, and the words say what to correct."""

    people: list[PersonFound]
    problems: list[FieldProblem]


def _out(found: Found) -> PersonFound:
    return PersonFound(
        person_id=found.person_id,
        record_id=found.record_id,
        name=found.name,
        date_of_birth=found.date_of_birth,
        postcode=found.postcode,
        agencies=found.agencies,
        reasons=found.reasons,
        href=found.href,
    )


@router.get(
    "/api/people",
    tags=["people"],
    response_model=PeopleFound,
)
def api_search(
    q: str = Query("", max_length=MAX_TEXT),
    date_of_birth: str = Query("", max_length=40),
    postcode: str = Query("", max_length=16),
    phone: str = Query("", max_length=40),
    vehicle: str = Query("", max_length=16),
    nhs_number: str = Query("", max_length=20),
    current: Allowed = SEARCHERS,
    db_session: Session = Transaction,
) -> PeopleFound:
    """People you may see who match, strongest first, with why each matched. Nothing is
    said about people outside your scope, not even how many there are."""
    p = current.principal
    parsed = person_query.parse(
        q,
        date_of_birth=date_of_birth,
        postcode=postcode,
        phone=phone,
        vehicle=vehicle,
        nhs_number=nhs_number,
    )
    if parsed.empty and not parsed.problems:
        parsed.problems["q"] = "Enter a name, date of birth, postcode, phone, vehicle or NHS number"
    if parsed.problems:
        problems = [FieldProblem(field=k, message=v) for k, v in parsed.problems.items()]
        return PeopleFound(people=[], problems=problems)
    return PeopleFound(people=[_out(f) for f in search(db_session, p, parsed)], problems=[])


@router.get("/people", include_in_schema=False)
def search_page(
    request: Request,
    q: str = "",
    current: Allowed = SEARCHERS,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    q = q.strip()[:MAX_TEXT]
    parsed = person_query.parse(q)
    found = search(db_session, principal, parsed) if q else []
    return render(
        request,
        "people/search.html",
        principal,
        current.csrf_token,
        q=q,
        found=found,
        searched=bool(q) and not parsed.problems,
        errors=parsed.problems,
        status_code=400 if parsed.problems else 200,
    )
