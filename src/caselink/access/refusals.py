"""A refused look at something that exists is itself on the record: someone typing the
address of another force's case is exactly what oversight must be able to see."""

from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.ledger import Action, record

REASON = "refused: outside what this user may see"


def refuse(session: Session, p: Principal, object_type: str, object_id: str | int) -> None:
    """Ledger the refused read in the caller's transaction (which must commit: the page
    saying "no" is a normal response, not an error)."""
    record(session, p.actor, Action.ATTEMPT, object_type, object_id, reason=REASON)
