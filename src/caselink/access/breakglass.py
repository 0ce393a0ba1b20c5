"""Break-glass: opening one case outside your scope, for a stated reason, for a short time.

The grant is ledgered with its reason, and an alert goes at once to the user's supervisor
and to every oversight officer, so an exception is never quiet."""

import unicodedata
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


# Line breaks and tabs are allowed in a typed reason; every other control character and
# every format character (zero-width spaces and joiners, direction overrides) is refused:
# they show as nothing, so twenty of them would be a reason nobody can read.
_TYPED = frozenset("\n\r\t")


def visible_length(text: str) -> int:
    """How many characters of `text` a reader sees: letters, digits, punctuation and
    symbols, with one space between words (however many, or of whatever kind, were typed)."""
    words = " ".join(text.split())
    return sum(1 for c in words if c == " " or unicodedata.category(c)[0] in "LMNPS")


def reason_problem(reason: str) -> str | None:
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in _TYPED for c in reason):
        return "The reason contains invisible or control characters: type it again without them"
    if visible_length(reason) < MIN_REASON:
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
