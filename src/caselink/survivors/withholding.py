"""The officers' case file, as a survivor may see it of their own case (the case page and the
case API): no summary or event narratives (officers' free text about everyone), no other
victims or witnesses, a suspect only as "A suspect (details withheld)", and other people's
names and contact details withheld from the reasons for decisions. The portal is where a
survivor follows their case; this keeps the other routes to it as safe."""

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.principal import Principal
from caselink.store.models import SurvivorLink
from caselink.survivors.portal import Redactor

if TYPE_CHECKING:
    from caselink.cases.reading import CaseFile


def withheld(session: Session, p: Principal, case_id: int, file: "CaseFile") -> "CaseFile":
    own = session.scalar(
        select(SurvivorLink.person_record_id).where(
            SurvivorLink.user_id == p.user_id, SurvivorLink.case_id == case_id
        )
    )
    redact = Redactor(session, case_id, own)
    return replace(
        file,
        summary=None,
        closure_reason=redact(file.closure_reason),
        participants=[
            person
            for person in file.participants
            if person.record_id is not None or person.role == "suspect"
        ],
        events=[],
        decisions=[(kind, outcome, redact(why) or "") for kind, outcome, why in file.decisions],
    )
