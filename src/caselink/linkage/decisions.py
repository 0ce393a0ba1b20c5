"""An analyst confirms or rejects a proposed link, with a reason.

The decision is stored (append-only) and acted on at once, in the same transaction, with
every change ledgered: a confirmation puts both records' persons together; a rejection of
two records that sit in one person detaches the second record, which the next linkage run
links again — never back to the first, because runs follow the newest decision on a pair.
"""

from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from caselink.ledger import Action, Actor, digest, record, record_rows
from caselink.linkage.persons import fresh_person_key
from caselink.store.models import LinkCandidate, LinkDecision, Person, PersonRecord


class Verdict(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


class DecisionRefused(ValueError):
    """The decision cannot be stored as given (no reason, unknown verdict)."""


def decide(
    session: Session,
    actor: Actor,
    candidate: LinkCandidate,
    verdict: str,
    reason: str,
) -> LinkDecision:
    try:
        chosen = Verdict(verdict)
    except ValueError:
        raise DecisionRefused("Choose whether these records are the same person") from None
    reason = reason.strip()
    if not reason:
        raise DecisionRefused("Give the reason for your decision")
    if len(reason) > 2000:
        raise DecisionRefused("The reason must be 2,000 characters or fewer")
    decision = LinkDecision(
        record_a_id=candidate.record_a_id,
        record_b_id=candidate.record_b_id,
        decision=chosen.value,
        reason=reason,
        candidate_id=candidate.id,
        decided_by_user_id=actor.user_id,
    )
    session.add(decision)
    session.flush()
    record(
        session,
        actor,
        Action.DECIDE,
        "link_candidate",
        candidate.id,
        reason=f"{chosen.value}: {reason}",
        after=digest(
            {"a": candidate.record_a_id, "b": candidate.record_b_id, "decision": chosen.value}
        ),
    )
    pair = f"{chosen.value}: records {candidate.record_a_id} and {candidate.record_b_id}"
    # The decision's row, audited (the entry above is the act, on the candidate).
    record_rows(session, actor, Action.CREATE, "link_decision", [decision.id], reason=pair)
    a = session.get(PersonRecord, candidate.record_a_id)
    b = session.get(PersonRecord, candidate.record_b_id)
    assert a is not None and b is not None  # foreign keys
    if chosen is Verdict.CONFIRM:
        _join(session, actor, a, b, decision.id)
    elif a.person_id is not None and a.person_id == b.person_id:
        b.person_id = None
        record(
            session,
            actor,
            Action.UNLINK,
            "person_record",
            b.id,
            reason=f"link decision {decision.id}: not the same person as record {a.id}",
        )
    return decision


def _join(
    session: Session, actor: Actor, a: PersonRecord, b: PersonRecord, decision_id: int
) -> None:
    """Put b's person (or b alone) into a's person, creating one if neither has a person."""
    if a.person_id is not None and a.person_id == b.person_id:
        return
    target: int | None
    moving: list[int]
    if a.person_id is None and b.person_id is None:
        person = Person(person_key=fresh_person_key(session, [a.record_id, b.record_id]))
        session.add(person)
        session.flush()
        target, moving = person.id, [a.id, b.id]
    elif a.person_id is None:
        target, moving = b.person_id, [a.id]
    else:
        target = a.person_id
        moving = (
            [b.id]
            if b.person_id is None
            else list(
                session.scalars(
                    select(PersonRecord.id).where(PersonRecord.person_id == b.person_id)
                )
            )
        )
    assert target is not None
    session.execute(
        update(PersonRecord).where(PersonRecord.id.in_(moving)).values(person_id=target),
        execution_options={"synchronize_session": "fetch"},
    )
    key = session.scalar(select(Person.person_key).where(Person.id == target))
    for record_id in moving:
        record(
            session,
            actor,
            Action.LINK,
            "person_record",
            record_id,
            reason=f"link decision {decision_id}: person {key}",
            after=digest({"person": key}),
        )
