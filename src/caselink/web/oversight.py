"""Oversight pages over the ledger: the history of any object, what any person accessed,
and unusual access. Only oversight officers may use them, and their use is ledgered too."""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from caselink.access import policy
from caselink.ledger import history, record_read, unusual
from caselink.oversight import references
from caselink.web.permissions import Allowed, require
from caselink.web.security import Transaction
from caselink.web.templating import render

router = APIRouter(include_in_schema=False)
AUDITOR = Depends(require(policy.AUDIT_ACCESS))

# What an oversight officer does here, one link each: the menu has one "Oversight" item, not
# five (at 1280 px the inspector's menu no longer fitted on one row).
TASKS = (
    (
        "/oversight/access",
        "Who looked at what",
        "Access by person, with unusual patterns (reads outside the force, break-glass) marked.",
    ),
    (
        "/oversight/history",
        "Ledger history",
        "Everything recorded about a case, report, review case, person record or user, by "
        "its reference; or everything one person did.",
    ),
    (
        "/oversight/comparison",
        "Compare forces",
        "Reports, acknowledgement times, outcomes and closure reasons, force by force.",
    ),
    (
        "/oversight/completeness",
        "Data completeness",
        "Which fields each agency leaves unrecorded, ethnicity and nationality among them.",
    ),
    (
        "/oversight/sharing",
        "Records not shared (s.16LA)",
        "Records an agency has decided not to share with its child protection team, the "
        "teams and their members, and decisions due for review.",
    ),
)


@router.get("/oversight")
def oversight_home(request: Request, current: Allowed = AUDITOR) -> Response:
    return render(
        request, "oversight/index.html", current.principal, current.csrf_token, tasks=TASKS
    )


@router.get("/oversight/history")
def object_history(
    request: Request,
    object_type: str = Query("case", max_length=32),
    object_id: str = Query("", max_length=100),
    actor: str = Query("", max_length=100),
    current: Allowed = AUDITOR,
    db_session: Session = Transaction,
) -> Response:
    principal = current.principal
    entries = []
    if actor.strip():
        entries = history.by_actor(db_session, actor.strip().lower())
        record_read(db_session, principal.actor, "access_history", actor.strip())
    elif object_id.strip():
        entries = references.entries_about(db_session, object_type.strip(), object_id.strip())
        record_read(
            db_session,
            principal.actor,
            "object_history",
            f"{object_type}:{object_id.strip()}",
        )
    return render(
        request,
        "history.html",
        principal,
        current.csrf_token,
        entries=entries,
        labels=references.labels(db_session, entries),
        kinds=references.KINDS,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
    )


@router.get("/oversight/access")
def access_patterns(
    request: Request, current: Allowed = AUDITOR, db_session: Session = Transaction
) -> Response:
    principal = current.principal
    found = unusual.patterns(db_session)
    record_read(db_session, principal.actor, "access_patterns", "all")
    return render(
        request,
        "access.html",
        principal,
        current.csrf_token,
        patterns=sorted(found, key=lambda a: (not a.flagged, a.username)),
    )
