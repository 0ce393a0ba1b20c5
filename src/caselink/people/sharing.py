"""s.16LA decisions: the holding agency's decision that sharing one record with the team
would be more detrimental to the child than not sharing it.

A decision needs a reason, a review date and a contact, and names who decided; team members
then see that a record exists at the agency, since when, and whom to contact, never its
content (the policy's `withheld()` keeps it out of every read). Decisions are append-only:
sharing again is a new decision. Each is ledgered, listed for oversight, counted per agency
on the comparison page, and comes back to its decider on its review date (`raise_reviews`,
run by the worker)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.access.sessions import utcnow
from caselink.ledger import Action, Actor, record, record_rows
from caselink.people.problems import Problem
from caselink.store.db import Database
from caselink.store.models import Agency, Alert, PersonRecord, SharingDecision, User

MIN_REASON = 20
LONGEST_REVIEW = timedelta(days=366)  # a decision is looked at again at least yearly


@dataclass(frozen=True)
class Withholding:
    """What a team member is told about a record they may not read."""

    record_id: int
    agency: str
    since: datetime
    contact: str | None
    review_on: date | None


@dataclass(frozen=True)
class DecisionRow:
    id: int
    record_id: int
    agency: str
    decision: str
    reason: str
    review_on: date | None
    contact: str | None
    decided_by: str | None
    decided_at: datetime


@dataclass(frozen=True)
class HeldRecord:
    """A record as its holder sees it on the sharing form."""

    id: int
    person_id: int | None
    agency: str
    name: str


def held_by(session: Session, p: Principal, record_id: int) -> HeldRecord | None:
    """The record, if `p` may decide on sharing it (its holder's officer), else None."""
    found = session.execute(
        select(PersonRecord, Agency.name)
        .join(Agency, Agency.id == PersonRecord.agency_id)
        .where(PersonRecord.id == record_id, policy.records(p))
    ).first()
    if found is None or not policy.may_decide_sharing(p, found[0].agency_id):
        return None
    held, agency = found
    name = " ".join(n for n in (held.given_name, held.family_name) if n) or "(no name)"
    return HeldRecord(held.id, held.person_id, agency, name)


def _holder(session: Session, p: Principal, record_id: int) -> PersonRecord:
    found = session.scalar(
        select(PersonRecord).where(PersonRecord.id == record_id, policy.records(p))
    )
    if found is None or not policy.may_decide_sharing(p, found.agency_id):
        raise Problem("record", "only the agency that holds this record can decide on sharing it")
    return found


def current(session: Session, record_id: int) -> SharingDecision | None:
    return session.scalar(
        select(SharingDecision)
        .where(SharingDecision.person_record_id == record_id)
        .order_by(SharingDecision.id.desc())
        .limit(1)
    )


def not_shared(
    session: Session,
    p: Principal,
    record_id: int,
    reason: str,
    review_on: date | None,
    contact: str,
    now: datetime | None = None,
) -> SharingDecision:
    now = now or utcnow()
    held = _holder(session, p, record_id)
    reason, contact = (reason or "").strip(), (contact or "").strip()
    if len(reason) < MIN_REASON:
        raise Problem(
            "reason",
            f"explain why sharing would be more detrimental to the child, in at least "
            f"{MIN_REASON} characters",
        )
    if review_on is None:
        raise Problem("review_on", "enter the date the decision will be reviewed")
    if not now.date() < review_on <= (now + LONGEST_REVIEW).date():
        raise Problem("review_on", "the review date must be in the future and within a year")
    if not contact:
        raise Problem("contact", "enter who the team should contact about this record")
    if len(contact) > 300:
        raise Problem("contact", "the contact must be 300 characters or fewer")
    return _decide(session, p, held, "not_shared", reason, review_on, contact, now)


def share_again(
    session: Session, p: Principal, record_id: int, reason: str, now: datetime | None = None
) -> SharingDecision:
    now = now or utcnow()
    held = _holder(session, p, record_id)
    in_force = current(session, record_id)
    if in_force is None or in_force.decision != "not_shared":
        raise Problem("record", "this record is already shared with the team")
    reason = (reason or "").strip()
    if not reason:
        raise Problem("reason", "enter why the record is now shared")
    return _decide(session, p, held, "shared", reason, None, None, now)


def _decide(
    session: Session,
    p: Principal,
    held: PersonRecord,
    decision: str,
    reason: str,
    review_on: date | None,
    contact: str | None,
    now: datetime,
) -> SharingDecision:
    row = SharingDecision(
        person_record_id=held.id,
        agency_id=held.agency_id,
        decision=decision,
        reason=reason,
        review_on=review_on,
        contact=contact,
        decided_by_user_id=p.user_id,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    review = f", review on {review_on.isoformat()}" if review_on else ""
    record(
        session,
        p.actor,
        Action.DECIDE,
        "person_record",
        held.id,
        reason=f"s.16LA {decision}{review}: {reason}",
    )
    # The decision's own row, with its content digest: `ledger verify` then finds a decision
    # written (or changed) behind caselink's back.
    record_rows(session, p.actor, Action.CREATE, "sharing_decision", [row.id], reason=decision)
    return row


def withholdings(session: Session, record_ids: list[int]) -> list[Withholding]:
    """The decisions in force that withhold these records, oldest first."""
    if not record_ids:
        return []
    newest = (
        select(func.max(SharingDecision.id))
        .where(SharingDecision.person_record_id.in_(record_ids))
        .group_by(SharingDecision.person_record_id)
    )
    rows = session.execute(
        select(SharingDecision, Agency.name)
        .join(Agency, Agency.id == SharingDecision.agency_id)
        .where(SharingDecision.id.in_(newest), SharingDecision.decision == "not_shared")
        .order_by(SharingDecision.decided_at)
    ).all()
    return [
        Withholding(d.person_record_id, agency, d.decided_at, d.contact, d.review_on)
        for d, agency in rows
    ]


def decisions(session: Session, limit: int = 500) -> list[DecisionRow]:
    """Every decision, newest first, for oversight."""
    rows = session.execute(
        select(SharingDecision, Agency.name, User.display_name)
        .join(Agency, Agency.id == SharingDecision.agency_id)
        .outerjoin(User, User.id == SharingDecision.decided_by_user_id)
        .order_by(SharingDecision.id.desc())
        .limit(limit)
    ).all()
    return [
        DecisionRow(
            d.id,
            d.person_record_id,
            agency,
            d.decision,
            d.reason,
            d.review_on,
            d.contact,
            who,
            d.decided_at,
        )
        for d, agency, who in rows
    ]


def in_force_per_agency(session: Session) -> dict[int, int]:
    """agency id -> records not shared right now (for the comparison page)."""
    newest = select(func.max(SharingDecision.id)).group_by(SharingDecision.person_record_id)
    return {
        agency: count
        for agency, count in session.execute(
            select(SharingDecision.agency_id, func.count())
            .where(SharingDecision.id.in_(newest), SharingDecision.decision == "not_shared")
            .group_by(SharingDecision.agency_id)
        )
    }


def due(session: Session, today: date) -> list[SharingDecision]:
    """Decisions in force whose review date has come."""
    newest = select(func.max(SharingDecision.id)).group_by(SharingDecision.person_record_id)
    return list(
        session.scalars(
            select(SharingDecision)
            .where(
                SharingDecision.id.in_(newest),
                SharingDecision.decision == "not_shared",
                SharingDecision.review_on <= today,
            )
            .order_by(SharingDecision.review_on, SharingDecision.id)
        )
    )


def raise_reviews(session: Session, today: date, actor: Actor) -> int:
    """Put each decision due for review before the officer who made it and before
    oversight, once (an alert per decision: a worker run twice raises nothing new)."""
    raised = 0
    for decision in due(session, today):
        already = session.scalar(
            select(Alert.id).where(
                Alert.kind == "sharing_review",
                Alert.subject_type == "sharing_decision",
                Alert.subject_id == decision.id,
            )
        )
        if already is not None:
            continue
        message = (
            f"The decision not to share person record {decision.person_record_id} with the "
            f"child protection team is due for review (review date "
            f"{decision.review_on:%-d %B %Y}). Share it, or record a new decision."
        )
        for recipient in (
            {"recipient_user_id": decision.decided_by_user_id},
            {"recipient_role": "oversight_officer"},
        ):
            if any(recipient.values()):
                session.add(
                    Alert(
                        kind="sharing_review",
                        subject_type="sharing_decision",
                        subject_id=decision.id,
                        message=message,
                        **recipient,
                    )
                )
        record(
            session,
            actor,
            Action.ESCALATE,
            "sharing_decision",
            decision.id,
            reason="s.16LA decision due for review",
        )
        raised += 1
    return raised


def run_reviews(db: Database, now: datetime) -> int:
    """The worker's pass: raise the decisions due for review, in one transaction."""
    with db.transaction() as session:
        return raise_reviews(session, now.date(), Actor.system("sharing"))
