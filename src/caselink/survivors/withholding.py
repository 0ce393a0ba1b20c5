"""The officers' case file, as a survivor may see it of their own case (the case page and the
case API): no summary or event narratives (officers' free text about everyone), no other
victims or witnesses, a suspect only as "A suspect (details withheld)", and for each decision
the explanation written for the survivor, never the staff's reasons. The portal is where a
survivor follows their case; this keeps the other routes to it as safe."""

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.store.models import Decision
from caselink.survivors import portal

if TYPE_CHECKING:
    from caselink.cases.reading import CaseFile


def withheld(session: Session, p: Principal, case_id: int, file: "CaseFile") -> "CaseFile":
    decisions = list(
        session.scalars(
            select(Decision).where(Decision.case_id == case_id).order_by(Decision.decided_at)
        )
    )
    told = portal.decision_explanations(session, decisions)
    return replace(
        file,
        summary=None,
        closure_reason=portal.closure_words(file.closure_reason),
        participants=[
            person
            for person in file.participants
            if person.record_id is not None or person.role == "suspect"
        ],
        events=[],
        decisions=[(d.kind, d.outcome, why) for d, why in zip(decisions, told, strict=True)],
    )
