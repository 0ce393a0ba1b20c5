"""Break-glass: opening one case outside your scope, for a stated reason, for a short time.

The grant is ledgered with its reason, and an alert goes at once to the user's supervisor
and to every oversight officer, so an exception is never quiet."""

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.domain import Role
from caselink.ledger import Action, record
from caselink.store.models import AccessGrant, Alert, Case

DURATION = timedelta(hours=1)
MIN_REASON = 20


def reason_problem(reason: str) -> str | None:
    if len(reason.strip()) < MIN_REASON:
        return f"Explain why you need this case, in at least {MIN_REASON} characters"
    return None


def break_glass(session: Session, p: Principal, reference: str, reason: str) -> int:
    """Grant `p` access to one case for DURATION; returns the case id."""
    if not policy.may_break_glass(p):
        raise PermissionError("your role may not break glass")
    problem = reason_problem(reason)
    if problem:
        raise ValueError(problem)
    case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        raise LookupError(reference)
    now = utcnow()
    session.execute(
        insert(AccessGrant).values(
            user_id=p.user_id,
            object_type="case",
            object_id=case_id,
            kind="break_glass",
            reason=reason.strip(),
            granted_at=now,
            expires_at=now + DURATION,
        )
    )
    record(session, p.actor, Action.BREAK_GLASS, "case", case_id, reason=reason.strip())
    message = (
        f"{p.display_name} ({p.username}) broke glass to open case {reference} "
        f"outside their scope: {reason.strip()}"
    )
    alerts: list[dict[str, object]] = [
        {"recipient_user_id": None, "recipient_role": Role.OVERSIGHT_OFFICER.value}
    ]
    if p.supervisor_id:
        alerts.append({"recipient_user_id": p.supervisor_id, "recipient_role": None})
    session.execute(
        insert(Alert),
        [
            {
                **to,
                "kind": "break_glass",
                "subject_type": "case",
                "subject_id": case_id,
                "message": message,
            }
            for to in alerts
        ],
    )
    return case_id
