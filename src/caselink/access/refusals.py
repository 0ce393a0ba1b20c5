"""A refused look is itself on the record: someone typing the address of another force's
case is exactly what oversight must be able to see.

`find_or_refuse` is the one way a single case, record, report or request is looked up for
someone: the lookup carries the policy's row condition; a miss is ledgered whether or not
the object exists, so that "not found" for a real object and for a made-up one take the same
path (a lookup, an existence check, one ledger append) and cannot be told apart by timing.
"""

from typing import Any, TypeVarTuple

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.ledger import Action, record

REASON = "refused: outside what this user may see"
NO_SUCH = "refused: nothing with this reference"
MAX_KEY = 100  # a made-up key is ledgered as typed, up to this long
_CONTROL = dict.fromkeys(range(32))
Columns = TypeVarTuple("Columns")


class Refused(LookupError):
    """Nothing this principal may see answers to the key; `exists` says whether something
    does (for the roles that are told so: see policy.told_it_exists)."""

    def __init__(self, object_type: str, key: str | int, exists: bool) -> None:
        super().__init__(f"{object_type} {key}")
        self.exists = exists


def refuse(session: Session, p: Principal, object_type: str, object_id: str | int) -> None:
    """Ledger the refused read in the caller's transaction (which must commit: the page
    saying "no" is a normal response, not an error)."""
    record(session, p.actor, Action.ATTEMPT, object_type, object_id, reason=REASON)


def find_or_refuse(
    session: Session,
    p: Principal,
    object_type: str,
    key: str | int,
    visible: Select[*Columns],
    exists: Select[Any],
) -> Row[*Columns]:
    """The first row of `visible` (a query that carries the policy's condition), or Refused.

    `exists` finds the object whatever the policy (one column: the id to ledger it by). A
    refusal is ledgered in the caller's transaction either way: a real object by its id, a
    made-up one by the key as typed."""
    found = session.execute(visible).first()
    if found is not None:
        return found
    raise refused(session, p, object_type, key, exists)


def refused(
    session: Session, p: Principal, object_type: str, key: str | int, exists: Select[Any]
) -> Refused:
    """The miss half of `find_or_refuse`, for a service that looked the object up its own
    way: ledger the refusal (real or made up alike) and return the Refused to raise."""
    real = session.scalar(exists)
    if real is not None:
        record(session, p.actor, Action.ATTEMPT, object_type, real, reason=REASON)
    else:
        typed = str(key).translate(_CONTROL)[:MAX_KEY] or "(empty)"
        record(session, p.actor, Action.ATTEMPT, object_type, typed, reason=NO_SUCH)
    return Refused(object_type, key, real is not None)
