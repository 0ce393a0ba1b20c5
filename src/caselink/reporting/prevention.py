"""Attempts to make a report disappear. Reports cannot be deleted, edited or withdrawn — the
database refuses it too — and trying is itself put on the record and shown to oversight as a
possible act of preventing a report (an offence under the duty)."""

from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.ledger import Action, record
from caselink.reporting.clock import utcnow
from caselink.reporting.notices import tell_oversight
from caselink.store.models import Report

VERBS = {"delete": "delete", "edit": "edit", "withdraw": "withdraw"}


def attempted(
    session: Session, p: Principal, report: Report | None, reference: str, verb: str
) -> None:
    what = VERBS.get(verb, "change")
    record(
        session,
        p.actor,
        Action.ATTEMPT,
        "report",
        reference,
        reason=f"tried to {what} the report; refused",
    )
    if report is not None:
        tell_oversight(
            session,
            kind="possible_prevention",
            report_id=report.id,
            message=(
                f"{p.display_name} ({p.username}) tried to {what} report {reference}. "
                "Reports cannot be changed or removed; the attempt is recorded."
            ),
            now=utcnow(),
        )
