"""Pages for working cases: list and search, one case, one person record, break-glass,
alerts (a survivor's own case: caselink.web.survivors). Thin: the policy and the reading
service do the work."""

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import breakglass, policy
from caselink.cases import reading
from caselink.store.models import Alert
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, out_of_scope, render

router = APIRouter(include_in_schema=False)


def _not_found(request: Request, current: Visit) -> Response:
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "Check the reference. You can only see cases you are allowed to.",
    )


@router.get("/cases")
def cases_page(
    request: Request,
    q: str = "",
    page: int = 1,
    current: Allowed = Depends(require(policy.READ_CASES)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    page = min(max(page, 1), 100_000)  # a 25-digit page number overflowed the database's int
    rows, total = reading.list_cases(db_session, principal, q, page)
    pages = max(1, -(-total // reading.PAGE_SIZE))
    return render(
        request,
        "cases.html",
        principal,
        current.csrf_token,
        rows=rows,
        total=total,
        q=q,
        page=min(max(page, 1), pages),
        pages=pages,
    )


@router.get("/cases/{reference:path}/break-glass")
def break_glass_page(
    request: Request,
    reference: str,
    current: Allowed = Depends(require(policy.BREAK_GLASS)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    if reading.find_case_id(db_session, reference) is None:
        return _not_found(request, current)
    return render(
        request, "break_glass.html", principal, current.csrf_token, reference=reference, reason=""
    )


@router.post("/cases/{reference:path}/break-glass")
def break_glass(
    request: Request,
    reference: str,
    reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = Depends(require(policy.BREAK_GLASS)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    problem = breakglass.reason_problem(reason)
    if problem:
        return render(
            request,
            "break_glass.html",
            principal,
            current.csrf_token,
            reference=reference,
            reason=reason,
            errors={"reason": problem},
            status_code=400,
        )
    try:
        breakglass.break_glass(db_session, principal, reference, reason)
    except LookupError:
        return _not_found(request, current)
    return RedirectResponse(f"/cases/{reference}", status_code=303)


@router.get("/cases/{reference:path}")
def case_page(
    request: Request,
    reference: str,
    current: Allowed = Depends(require(policy.READ_CASES)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    try:
        case = reading.read_case(db_session, principal, reference)
    except reading.OutOfScope:
        return out_of_scope(
            request,
            principal,
            current.csrf_token,
            "case",
            reference,
            "It is outside your area and not assigned to you.",
            "Ask the officer in charge of the case, or your supervisor, to give you access.",
            break_glass=f"/cases/{quote(reference)}/break-glass",
        )
    if case is None:
        return _not_found(request, current)
    return render(request, "case.html", principal, current.csrf_token, case=case)


@router.get("/records/{record_id:int}")  # anything but digits is no page at all
def record_page(
    request: Request,
    record_id: int = Path(ge=1, le=2**31 - 1),
    current: Allowed = Depends(require(policy.READ_RECORDS)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    try:
        found = reading.read_record(db_session, principal, record_id)
    except reading.RecordOutOfScope:
        return out_of_scope(
            request,
            principal,
            current.csrf_token,
            "person record",
            str(record_id),
            "It is held by an agency outside your area and is not in a case you can see.",
            "Open a case it belongs to (in an emergency you can do that by giving a reason), "
            "or ask the agency that holds it to share it with you.",
        )
    if found is None:
        return _not_found(request, current)
    return render(request, "record.html", principal, current.csrf_token, person=found)


@router.get("/alerts")
def alerts_page(
    request: Request,
    current: Allowed = Depends(require(policy.SIGNED_IN)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    alerts = db_session.scalars(
        select(Alert)
        .where(
            (Alert.recipient_user_id == principal.user_id)
            | (Alert.recipient_role == principal.role.value)
        )
        .order_by(Alert.created_at.desc())
        .limit(200)
    ).all()
    return render(request, "alerts.html", principal, current.csrf_token, alerts=alerts)
