"""The demo survivor's case made worth showing: an officer in charge, an arrest, an interview,
a release under investigation and, three weeks ago, a decision to take no further action, so
the portal has updates and the review can be asked for. Synthetic demo only; safe to rerun."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access.accounts import find_user
from caselink.ledger import Actor
from caselink.store.models import CaseAssignment, SurvivorLink, VictimUpdate
from caselink.survivors import updates
from caselink.survivors.victims_code import VictimsCode

FOR_THE_SURVIVOR = (
    "The police have decided not to charge anyone for now, because there was not enough "
    "evidence. This does not mean you were not believed. You can ask for the decision to be "
    "reviewed."
)
REASON = (
    "The evidence was not strong enough to charge: the person suspected denied it in "
    "interview and there were no other witnesses."
)


def follow_case(session: Session, code: VictimsCode, now: datetime) -> str:
    survivor, officer = find_user(session, "survivor"), find_user(session, "officer")
    link = (
        session.scalar(select(SurvivorLink).where(SurvivorLink.user_id == survivor.id))
        if survivor
        else None
    )
    if link is None or officer is None:
        return "No demo survivor linked to a case: run `caselink demo-accounts` first."
    if session.scalar(select(VictimUpdate.id).where(VictimUpdate.case_id == link.case_id)):
        return "The demo survivor's case already has its updates."
    assigned = select(CaseAssignment.id).where(
        CaseAssignment.case_id == link.case_id, CaseAssignment.user_id == officer.id
    )
    if session.scalar(assigned) is None:
        session.add(CaseAssignment(case_id=link.case_id, user_id=officer.id))
    by = Actor(officer.username, officer.id, officer.agency.code if officer.agency else None)
    for kind, days_ago in (
        ("arrest", 60),
        ("interview", 60),
        ("released_under_investigation", 59),
    ):
        when = now - timedelta(days=days_ago)
        updates.record_event(session, code, by, link.case_id, kind, when.date(), when)
    decided = now - timedelta(days=21)
    updates.record_decision(
        session,
        code,
        by,
        link.case_id,
        "no_further_action",
        REASON,
        decided,
        explanation=FOR_THE_SURVIVOR,
    )
    return "The demo survivor's case has an officer in charge, updates and a decision to review."
