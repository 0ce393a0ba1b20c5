"""The survivor portal (a survivor's own case, updates, asking for a review), the officers'
right-to-review queue and Victims' Code updates, and the same through the API. Thin: the
policy and caselink.survivors do the work; every view and action is ledgered there."""

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy, refusals
from caselink.domain import Role
from caselink.reporting.clock import utcnow
from caselink.store.models import Case, ReviewRequest, VictimUpdate
from caselink.survivors import explanations, portal, queue, review, updates, victims_code
from caselink.survivors.workdays import spoken
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, Visit, check_csrf
from caselink.web.templating import not_found, render

router = APIRouter(include_in_schema=False)
EVENT_WORDS = {
    "arrest": "Arrest",
    "interview": "Interview",
    "bail": "Released on bail",
    "released_under_investigation": "Released under investigation",
    "no_further_action": "No further action (a decision)",
    "charge": "Charge (a decision)",
}
DECISIONS = ("no_further_action", "charge")


SURVIVOR = Depends(require(policy.USE_PORTAL))
OFFICER = Depends(require(policy.READ_REVIEW_REQUESTS))
IN_CHARGE = Depends(require(policy.VICTIM_UPDATES))


def _refused(request: Request, current: Visit, session: Session, kind: str, ref: str) -> Response:
    """Someone else's request, or none: the same 404, and the attempt on the record."""
    assert current.principal is not None
    exists = select(ReviewRequest.reference).where(ReviewRequest.reference == ref)
    refusals.refused(session, current.principal, kind, ref, exists)
    return not_found(
        request,
        current.principal,
        current.csrf_token,
        "Check the reference. You can only see requests you are allowed to.",
    )


# --- The survivor's pages ------------------------------------------------------------------


@router.get("/my-case")
def my_case(
    request: Request,
    requested: str = "",
    current: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    case = portal.read_my_case(db_session, principal, victims_code.load(), utcnow())
    sent = next((r for r in case.requests if r.reference == requested), None) if case else None
    return render(
        request,
        "survivors/my_case.html",
        principal,
        current.csrf_token,
        case=case,
        sent=sent,
        spoken=spoken,
    )


def _review_form(
    request: Request, current: Allowed, session: Session, reason: str, errors: dict[str, str]
) -> Response:
    principal = current.principal
    code = victims_code.load()
    link = portal.link_of(session, principal)
    found = review.offer(session, code, link.case_id) if link else None
    if found is None or not found.open(utcnow().date()):
        return RedirectResponse("/my-case", status_code=303)
    return render(
        request,
        "survivors/review_form.html",
        principal,
        current.csrf_token,
        offer=found,
        reason=reason,
        errors=errors,
        max_chars=code.review.reason_max_chars,
        spoken=spoken,
        status_code=400 if errors else 200,
    )


@router.get("/my-case/review")
def review_form(
    request: Request, current: Allowed = SURVIVOR, db_session: Session = Transaction
) -> Response:
    return _review_form(request, current, db_session, "", {})


@router.post("/my-case/review")
def ask_for_review(
    request: Request,
    reason: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    link = portal.link_of(db_session, principal)
    if link is None:
        return RedirectResponse("/my-case", status_code=303)
    try:
        made = review.request_review(
            db_session, principal, victims_code.load(), link, reason, utcnow()
        )
    except review.ReviewProblem as problem:
        return _review_form(request, current, db_session, reason, {"reason": problem.message})
    return RedirectResponse(f"/my-case?requested={made.reference}", status_code=303)


@router.get("/my-case/reviews/{reference}")
def my_request(
    request: Request,
    reference: str,
    current: Allowed = SURVIVOR,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    found = portal.request_of(db_session, principal, reference)
    if found is None:
        return _refused(request, current, db_session, "review_request", reference)
    view = portal.request_views(db_session, [found])[0]
    return render(request, "survivors/request.html", principal, current.csrf_token, r=view)


# --- Officers: the right-to-review queue ---------------------------------------------------


@router.get("/right-to-review")
def review_queue(
    request: Request, current: Allowed = OFFICER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    rows = queue.queue(db_session, principal)
    return render(
        request,
        "survivors/queue.html",
        principal,
        current.csrf_token,
        rows=rows,
        now=utcnow(),
    )


def _request_page(
    request: Request,
    current: Allowed,
    session: Session,
    reference: str,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    principal = current.principal
    found = queue.find(session, principal, reference)
    if found is None:
        return _refused(request, current, session, "review_request", reference)
    return render(
        request,
        "survivors/review.html",
        principal,
        current.csrf_token,
        file=queue.read_request(session, principal, found),
        now=utcnow(),
        errors=errors or {},
        done=done,
        form=form or {},
        outcomes=review.OUTCOMES,
        status_code=400 if errors else 200,
    )


@router.get("/right-to-review/{reference}")
def review_request_page(
    request: Request,
    reference: str,
    done: str = "",
    current: Allowed = OFFICER,
    db_session: Session = Transaction,
) -> Response:
    words = {"acknowledged": "You acknowledged the request.", "decided": "You decided the review."}
    return _request_page(request, current, db_session, reference, done=words.get(done))


def _act(
    request: Request, current: Allowed, session: Session, reference: str, action: str, **kw: str
) -> Response:
    principal = current.principal
    found = queue.find(session, principal, reference)
    if found is None:
        return _refused(request, current, session, "review_request", reference)
    try:
        if action == "acknowledge":
            review.acknowledge(session, principal, found, utcnow())
        else:
            review.decide(
                session,
                principal,
                victims_code.load(),
                found,
                kw["outcome"],
                kw["reason"],
                utcnow(),
                kw["survivor_explanation"],
            )
    except review.NotAllowed as refused:
        return render(
            request,
            "message.html",
            principal,
            current.csrf_token,
            heading="You cannot act on this request",
            paragraphs=[str(refused)],
            link=(f"/right-to-review/{reference}", "Back to the request"),
            status_code=403,
        )
    except review.ReviewProblem as problem:
        return _request_page(
            request, current, session, reference, {problem.field: problem.message}, form=kw
        )
    past = "acknowledged" if action == "acknowledge" else "decided"
    return RedirectResponse(f"/right-to-review/{reference}?done={past}", status_code=303)


@router.post("/right-to-review/{reference}/acknowledge")
def acknowledge_request(
    request: Request,
    reference: str,
    csrf_token: str = Form(""),
    current: Allowed = OFFICER,
    db_session: Session = Transaction,
) -> Response:
    check_csrf(current, csrf_token)
    return _act(request, current, db_session, reference, "acknowledge")


@router.post("/right-to-review/{reference}/decide")
def decide_request(
    request: Request,
    reference: str,
    outcome: str = Form(""),
    reason: str = Form(""),
    survivor_explanation: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = OFFICER,
    db_session: Session = Transaction,
) -> Response:
    check_csrf(current, csrf_token)
    return _act(
        request,
        current,
        db_session,
        reference,
        "decide",
        outcome=outcome,
        reason=reason,
        survivor_explanation=survivor_explanation,
    )


# --- Officers: Victims' Code updates on their cases ----------------------------------------


def _updates_page(
    request: Request,
    current: Allowed,
    session: Session,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    principal = current.principal
    cases = session.scalars(
        select(Case.reference).where(policy.victim_updates(principal)).order_by(Case.reference)
    ).all()
    return render(
        request,
        "survivors/updates.html",
        principal,
        current.csrf_token,
        rows=updates.owed(session, policy.victim_updates(principal)),
        cases=cases,
        kinds=EVENT_WORDS,
        now=utcnow(),
        errors=errors or {},
        form=form or {},
        done=done,
        status_code=400 if errors else 200,
    )


@router.get("/victim-updates")
def updates_page(
    request: Request,
    done: str = "",
    current: Allowed = IN_CHARGE,
    db_session: Session = Transaction,
) -> Response:
    words = {"recorded": "Recorded. Each victim of the case is owed an update.", "told": "Noted."}
    return _updates_page(request, current, db_session, done=words.get(done))


@router.post("/victim-updates")
def record_what_happened(
    request: Request,
    case_reference: str = Form(""),
    kind: str = Form(""),
    occurred_on: str = Form(""),
    reason: str = Form(""),
    survivor_explanation: str = Form(""),
    csrf_token: str = Form(""),
    current: Allowed = IN_CHARGE,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    form = {"case_reference": case_reference, "kind": kind, "occurred_on": occurred_on}
    form |= {"reason": reason, "survivor_explanation": survivor_explanation}
    case_id = db_session.scalar(
        select(Case.id).where(Case.reference == case_reference, policy.victim_updates(principal))
    )
    errors = {}
    if principal.role != Role.SAFEGUARDING_OFFICER or case_id is None:
        errors["case_reference"] = "Select one of the cases you are in charge of"
    if kind not in EVENT_WORDS:
        errors["kind"] = "Select what happened"
    day = None
    try:
        day = date.fromisoformat(occurred_on)
        if day > utcnow().date():
            errors["occurred_on"] = "The date must be today or in the past"
    except ValueError:
        if kind not in DECISIONS:
            errors["occurred_on"] = "Enter the date it happened, like 2026-03-03"
    if kind in DECISIONS and not reason.strip():
        errors["reason"] = "Enter the reason for the decision"
    if kind in DECISIONS and not survivor_explanation.strip():
        errors["survivor_explanation"] = "Enter the explanation for the victim"
    if errors or case_id is None:
        return _updates_page(request, current, db_session, errors, form)
    code, now = victims_code.load(), utcnow()
    if kind in DECISIONS:
        try:
            with db_session.begin_nested():
                updates.record_decision(
                    db_session,
                    code,
                    principal.actor,
                    case_id,
                    kind,
                    reason,
                    now,
                    explanation=survivor_explanation,
                )
        except explanations.ExplanationRefused as refused:
            return _updates_page(
                request, current, db_session, {refused.field: refused.message}, form
            )
    else:
        assert day is not None
        updates.record_event(db_session, code, principal.actor, case_id, kind, day, now)
    return RedirectResponse("/victim-updates?done=recorded", status_code=303)


@router.post("/victim-updates/{update_id}/told")
def told(
    request: Request,
    update_id: int,
    csrf_token: str = Form(""),
    current: Allowed = IN_CHARGE,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    check_csrf(current, csrf_token)
    found = db_session.scalar(
        select(VictimUpdate.id)
        .join(Case, Case.id == VictimUpdate.case_id)
        .where(VictimUpdate.id == update_id, policy.victim_updates(principal))
    )
    if found is None or principal.role != Role.SAFEGUARDING_OFFICER:
        refusals.refuse(db_session, principal, "victim_update", update_id)
        return not_found(request, principal, current.csrf_token, "No such update on your cases.")
    updates.mark(db_session, principal.actor, [found], "officer", utcnow())
    return RedirectResponse("/victim-updates?done=told", status_code=303)
