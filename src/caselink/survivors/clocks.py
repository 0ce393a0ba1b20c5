"""The survivor portal's share of `caselink worker`'s pass."""

from datetime import datetime

from caselink.store.db import Database
from caselink.survivors import escalation, updates, victims_code


def run(db: Database, now: datetime) -> int:
    """Updates whose mail has gone out count as given; overdue review requests escalate.
    Returns the number of escalation steps taken."""
    code = victims_code.load()
    updates.note_sent_mail(db, now)
    return escalation.escalate(db, code, now)
