"""Pages for mandatory reporting: the form, the receipt, a reporter's own reports, an
officer's inbox, one report and what officers do with it. Thin: the work is in
`caselink.reporting`."""

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.domain import AgencyKind, Role
from caselink.reporting import actions, inbox, intake, prevention, receipts, rules, submission
from caselink.reporting.clock import utcnow
from caselink.reporting.rules import CLOSURE_REASONS
from caselink.store.models import Agency, Report
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction, check_csrf
from caselink.web.templating import not_found, out_of_scope, render

router = APIRouter(include_in_schema=False)
REFERENCE = re.compile(r"[A-Za-z0-9-]{3,40}")  # anything else cannot be a reference
SUSPECT_SLOTS = 3
ACTION_WORDS = {
    "acknowledge": "Acknowledged",
    "request_information": "More information requested",
    "provide_information": "Reporter added information",
    "link_case": "Added to a case",
    "open_case": "Case opened",
    "close": "Closed",
    "request_closure": "Closure requested",
    "approve_closure": "Closure approved, so closed",
    "refuse_closure": "Closure refused",
    "route": "Routed from triage",
}
LABELS = {
    "reporter_roles": submission.REPORTER_ROLES,
    "triggers": submission.TRIGGERS,
    "delay_kinds": submission.DELAY_KINDS,
    "closure_reasons": CLOSURE_REASONS,
    "action_words": ACTION_WORDS,
}


def nest(form: FormData) -> dict[str, Any]:
    """`child.given_name` -> {"child": {"given_name": ...}}; `suspects.0.phone` -> a list."""
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str) or key in ("csrf_token", "idempotency_key"):
            continue
        parts = key.split(".")[:3]
        target = data
        for part in parts[:-1]:
            # `child=x` beside `child.given_name=y`: the group wins, the stray value is dropped
            if not isinstance(target.get(part), dict):
                target[part] = {}
            target = target[part]
        if not isinstance(target.get(parts[-1]), dict):
            target[parts[-1]] = value
    suspects = data.get("suspects")
    if isinstance(suspects, dict):
        data["suspects"] = [suspects[k] for k in sorted(suspects, key=lambda k: (len(k), k))]
    return data


def _ids(problems: dict[str, str]) -> dict[str, str]:
    return {path.replace(".", "-"): message for path, message in problems.items()}


FILER = Depends(require(policy.FILE_REPORTS))
READER = Depends(require(policy.READ_REPORTS))


@router.get("/report")
def report_form(request: Request, current: Allowed = FILER) -> Response:
    return _form(request, current, current.principal, {}, {})


def _form(
    request: Request,
    current: Allowed,
    principal: Principal,
    values: dict[str, str],
    errors: dict[str, str],
    key: str | None = None,
) -> Response:
    return render(
        request,
        "reporting/form.html",
        principal,
        current.csrf_token,
        status_code=400 if errors else 200,
        values=values,
        errors=errors,
        idempotency_key=key or secrets.token_urlsafe(24),
        suspect_slots=SUSPECT_SLOTS,
        **LABELS,
    )


@router.post("/report")
async def submit_report(
    request: Request, current: Allowed = FILER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    form = await request.form()
    check_csrf(current, str(form.get("csrf_token") or ""))
    key = str(form.get("idempotency_key") or "")[:100] or None
    duty = rules.load()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        checked = submission.read(nest(form), duty, utcnow().date())
        filed = intake.file_report(db_session, principal, checked, duty, key)
    except submission.Rejected as rejected:
        return _form(request, current, principal, values, _ids(rejected.problems), key)
    except intake.KeyReused:
        # The form was changed and sent again with the old key: treat it as a new report.
        filed = intake.file_report(db_session, principal, checked, duty, None)
    suffix = "?repeat=1" if filed.duplicate else ""
    return RedirectResponse(f"/reports/{quote(filed.reference)}/receipt{suffix}", status_code=303)


def _report_or_404(
    request: Request, current: Allowed, db_session: Session, reference: str
) -> inbox.ReportView | Response:
    principal = current.principal
    explanation = "Check the reference. You can only see reports you made or that were sent to you."
    if not REFERENCE.fullmatch(reference):
        return not_found(request, principal, current.csrf_token, explanation)
    found = inbox.find(db_session, principal, reference)
    if found is None and policy.told_it_exists(principal) and inbox.exists(db_session, reference):
        return out_of_scope(
            request,
            principal,
            current.csrf_token,
            "report",
            reference,
            "It was sent to another agency, not to yours.",
            "If you need it, ask the agency it was sent to, or the oversight body. If a child "
            "is in immediate danger, call 999 now.",
        )
    if found is None:
        return not_found(request, principal, current.csrf_token, explanation)
    return found


@router.get("/reports/{reference}/receipt")
def receipt_page(
    request: Request,
    reference: str,
    repeat: int = 0,
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    found = _report_or_404(request, current, db_session, reference)
    if isinstance(found, Response):
        return found
    return render(
        request,
        "reporting/receipt.html",
        current.principal,
        current.csrf_token,
        report=found,
        receipt=receipts.receipt(db_session, found),
        duplicate=bool(repeat),
    )


@router.get("/reports/{reference}/receipt.json")
def receipt_file(
    request: Request,
    reference: str,
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    found = _report_or_404(request, current, db_session, reference)
    if isinstance(found, Response):
        return found
    return JSONResponse(
        receipts.receipt(db_session, found),
        headers={"Content-Disposition": f'attachment; filename="receipt-{found.reference}.json"'},
    )


@router.get("/reports/mine")
def my_reports(
    request: Request, current: Allowed = FILER, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    rows = inbox.filed_by(db_session, principal)
    return render(request, "reporting/mine.html", principal, current.csrf_token, rows=rows)


@router.get("/reports/inbox")
def inbox_page(
    request: Request,
    page: int = 1,
    closed: int = 0,
    current: Allowed = Depends(require(policy.WORK_INBOX)),
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    page = min(max(page, 1), 10_000)
    rows, total = inbox.inbox(db_session, principal, page, bool(closed))
    triage = principal.role == Role.OVERSIGHT_OFFICER
    return render(
        request,
        "reporting/inbox.html",
        principal,
        current.csrf_token,
        heading="National triage queue" if triage else "Reports inbox",
        intro=(
            "Reports whose child's area could not be worked out. Send each to the right police "
            "force or local authority."
            if triage
            else "Reports sent to your agency. Urgent reports come first, then those whose "
            "acknowledgement is overdue (the longest overdue first), then the oldest."
        ),
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // inbox.PAGE_SIZE)),
        show_closed=bool(closed),
        agency_id=None if triage else principal.agency_id,
        now=utcnow(),
    )


@router.get("/reports/id/{report_id}")
def report_by_id(
    report_id: int, current: Allowed = READER, db_session: Session = Transaction
) -> Response:
    """Alerts name reports by number; this finds the page, within what the user may see."""
    principal = current.principal
    if not 0 < report_id < 2**31:
        return RedirectResponse("/reports/not-found", status_code=303)
    reference = db_session.scalar(
        select(Report.reference).where(Report.id == report_id, policy.reports(principal))
    )
    return RedirectResponse(f"/reports/{quote(reference or 'not-found')}", status_code=303)


@router.get("/reports/{reference}")
def report_page(
    request: Request,
    reference: str,
    done: str = "",
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    found = _report_or_404(request, current, db_session, reference)
    if isinstance(found, Response):
        return found
    return _report(request, current, db_session, found, {}, done)


DONE = {
    "acknowledged": "You acknowledged the report.",
    "asked": "Your question was sent to the reporter.",
    "added": "Your information was added to the report.",
    "linked": "The report was added to the case.",
    "opened": "A case was opened from the report.",
    "closed": "The report was closed.",
    "closure-requested": "A second officer has been asked to approve the closure.",
    "decided": "Your decision was recorded.",
    "routed": "The report was sent on.",
}


def _report(
    request: Request,
    current: Allowed,
    db_session: Session,
    found: inbox.ReportView,
    errors: dict[str, str],
    done: str = "",
) -> Response:
    principal = current.principal
    now = utcnow()
    mine = [r for r in found.routes if policy.works_route(principal, r.agency_id)]
    pending = inbox.pending_closure(found.actions)
    triage = any(r.agency_id is None for r in mine) and len(found.routes) == 1
    # Only the triage form offers agencies to send the report to.
    agencies: dict[str, str] = {}
    if triage:
        agencies = dict(
            db_session.execute(
                select(Agency.code, Agency.name)
                .where(Agency.kind.in_((AgencyKind.POLICE_FORCE, AgencyKind.LOCAL_AUTHORITY)))
                .order_by(Agency.name)
            ).all()
        )
    report_row = db_session.get(Report, found.id)
    assert report_row is not None
    own_case = next(
        (
            case
            for case in (actions.agency_case(db_session, report_row, r.agency_id) for r in mine)
            if case is not None
        ),
        None,
    )
    late = bool(
        found.learned_on
        and found.submitted_at.date() - found.learned_on > rules.load().permitted_delay
    )
    return render(
        request,
        "reporting/report.html",
        principal,
        current.csrf_token,
        status_code=400 if errors else 200,
        report=found,
        errors=errors,
        done=DONE.get(done, ""),
        now=now,
        can_work=bool(mine),
        acknowledged=all(r.acknowledged_at for r in mine),
        triage=triage,
        agencies=agencies,
        pending_closure=pending,
        pending_closure_mine=pending is not None and pending.by_user_id == principal.user_id,
        is_reporter=found.reporter_user_id == principal.user_id,
        late=late,
        own_case=own_case.reference if own_case else None,
        report_cases=[
            (case.reference, agency)
            for case, agency in actions.cases_of_report(db_session, report_row)
        ],
        **LABELS,
    )


@router.post("/reports/{reference}/{verb}")
async def act_on_report(
    request: Request,
    reference: str,
    verb: str,
    current: Allowed = READER,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    form = await request.form()
    check_csrf(current, str(form.get("csrf_token") or ""))
    found = _report_or_404(request, current, db_session, reference)
    if isinstance(found, Response):
        return found
    report = db_session.scalar(select(Report).where(Report.reference == found.reference))
    assert report is not None
    if verb in prevention.VERBS:
        prevention.attempted(db_session, principal, report, report.reference, verb)
        return render(
            request,
            "message.html",
            principal,
            current.csrf_token,
            heading="Reports cannot be changed or withdrawn",
            paragraphs=[
                "A report is kept exactly as it was made. You can add information to it.",
                "This attempt has been recorded and oversight has been told.",
            ],
            status_code=409,
        )
    text = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    duty = rules.load()
    try:
        # A savepoint: a refused action leaves nothing behind, but the read stays ledgered.
        with db_session.begin_nested():
            done = _do(db_session, principal, report, verb, text, duty)
    except actions.ActionRefused as refused:
        field = refused.field or "action"
        refreshed = inbox.find(db_session, principal, reference, ledger_read=False)
        assert refreshed is not None
        return _report(request, current, db_session, refreshed, {field: str(refused)})
    if done is None:
        return not_found(request, principal, current.csrf_token, "There is no such action.")
    return RedirectResponse(f"/reports/{quote(reference)}?done={done}", status_code=303)


def _do(
    session: Session,
    p: Principal,
    report: Report,
    verb: str,
    form: dict[str, str],
    duty: rules.DutyRules,
) -> str | None:
    if verb == "acknowledge":
        actions.acknowledge(session, p, report)
        return "acknowledged"
    if verb == "request-information":
        actions.request_information(session, p, report, form.get("question"))
        return "asked"
    if verb == "provide-information":
        actions.provide_information(session, p, report, form.get("answer"))
        return "added"
    if verb == "link-case":
        actions.link_case(session, p, report, form.get("case_reference", ""))
        return "linked"
    if verb == "open-case":
        actions.open_case(session, p, report)
        return "opened"
    if verb == "close":
        kind = actions.close(session, p, report, form.get("category", ""), form.get("note"), duty)
        return "closed" if kind == "close" else "closure-requested"
    if verb == "closure-decision":
        decision = form.get("decision")
        if decision not in ("approve", "refuse"):
            raise actions.ActionRefused("Select approve or refuse", "decision")
        actions.decide_closure(session, p, report, decision == "approve", form.get("reason"))
        return "decided"
    if verb == "route":
        actions.route_on(session, p, report, form.get("agency_code", ""), duty)
        return "routed"
    return None
