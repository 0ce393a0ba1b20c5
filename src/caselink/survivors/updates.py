"""Victims' Code updates: when an arrest, interview, bail, release under investigation, no
further action or charge is recorded on a case, each victim of the case is owed an update
within a clock (shorter for enhanced-rights victims: children and victims of sexual offences).

The update is written in plain English that names nobody ("the person suspected"). A victim
with a portal account sees it there and is sent a mail saying there is news; the mail carries
no details, since a victim's inbox is not always private. An update counts as given once the
mail was sent, the victim has read it in the portal, or the officer has recorded telling them;
until then the officer in charge sees its clock, and overdue ones first."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.orm import Session

from caselink.domain.dates import age_on
from caselink.ledger import Action, Actor, record, record_rows
from caselink.reporting.clock import aware
from caselink.reporting.notices import SIGN_OFF, queue_mail
from caselink.store.db import Database
from caselink.store.models import (
    Case,
    CaseParticipant,
    Decision,
    Event,
    OutboundMail,
    PersonRecord,
    SurvivorLink,
    User,
    VictimUpdate,
    VictimUpdateDelivery,
)
from caselink.survivors import explanations
from caselink.survivors.victims_code import VictimsCode
from caselink.survivors.workdays import add_working_days, end_of, spoken

MAIL_KEY = "victim-update"


def kind_of_outcome(outcome: str) -> str:
    """A decision's outcome as the Code's event name: 'No further action' -> no_further_action."""
    kind = outcome.strip().lower().replace(" ", "_").replace("-", "_")
    return {"charged": "charge", "nfa": "no_further_action"}.get(kind, kind)


def _enhanced(code: VictimsCode, victim: PersonRecord, on: date) -> bool:
    if code.every_case_is_a_sexual_offence:
        return True
    born = victim.date_of_birth
    return born is not None and age_on(born, on) < code.enhanced_under_age


def _owe(
    session: Session,
    code: VictimsCode,
    by: Actor,
    case_id: int,
    kind: str,
    occurred_on: date,
    now: datetime,
    event_id: int | None = None,
    decision_id: int | None = None,
) -> list[VictimUpdate]:
    entitlement = code.updates.get(kind)
    if entitlement is None:
        return []
    victims = session.scalars(
        select(PersonRecord)
        .join(CaseParticipant, CaseParticipant.person_record_id == PersonRecord.id)
        .where(CaseParticipant.case_id == case_id, CaseParticipant.role == "victim")
        .order_by(PersonRecord.id)
    ).all()
    made = []
    for victim in victims:
        enhanced = _enhanced(code, victim, occurred_on)
        due = add_working_days(now.date(), entitlement.within(enhanced), code.bank_holidays)
        update = VictimUpdate(
            case_id=case_id,
            person_record_id=victim.id,
            event_id=event_id,
            decision_id=decision_id,
            kind=kind,
            occurred_on=occurred_on,
            text=entitlement.says.format(date=spoken(occurred_on)),
            enhanced=enhanced,
            created_at=now,
            due_at=end_of(due),
        )
        session.add(update)
        session.flush()
        record(session, by, Action.CREATE, "victim_update", update.id, reason=kind)
        _mail_survivors(session, update, now)
        made.append(update)
    return made


def _mail_survivors(session: Session, update: VictimUpdate, now: datetime) -> None:
    accounts = session.scalars(
        select(User)
        .join(SurvivorLink, SurvivorLink.user_id == User.id)
        .where(
            SurvivorLink.case_id == update.case_id,
            SurvivorLink.person_record_id == update.person_record_id,
            User.active.is_(True),
        )
        .order_by(User.id)
    ).all()
    for user in accounts:
        queue_mail(
            session,
            f"{MAIL_KEY}:{update.id}:user:{user.id}",
            user.email,
            "There is an update about your case",
            "There is a new update about your case in caselink." + SIGN_OFF,
            now,
        )


def record_event(
    session: Session,
    code: VictimsCode,
    by: Actor,
    case_id: int,
    kind: str,
    occurred_on: date,
    now: datetime,
    detail: str | None = None,
) -> tuple[Event, list[VictimUpdate]]:
    """Record what happened on a case and owe each victim the update it entitles them to."""
    event = Event(
        case_id=case_id,
        kind=kind,
        occurred_on=occurred_on,
        recorded_at=now,
        recorded_by_user_id=by.user_id,
        detail=detail,
    )
    session.add(event)
    session.flush()
    record_rows(session, by, Action.CREATE, "event", [event.id], reason=kind)
    return event, _owe(session, code, by, case_id, kind, occurred_on, now, event_id=event.id)


def record_decision(
    session: Session,
    code: VictimsCode,
    by: Actor,
    case_id: int,
    outcome: str,
    reason: str,
    now: datetime,
    kind: str = "charging_decision",
    *,
    explanation: str | None = None,
) -> tuple[Decision, list[VictimUpdate]]:
    """Record a decision with its reason and owe each victim the update it entitles them to.

    `reason` is for staff. `explanation` is what the victims are told: checked to name nobody
    else in the case (explanations.ExplanationRefused if it does) and stored beside the
    decision; without one they are told only that a decision was recorded."""
    if not reason.strip():
        raise ValueError("reason: give the reason for the decision")
    shown = None
    if explanation is not None:
        victim = explanations.only_victim(session, case_id)
        shown = explanations.checked(session, case_id, victim, explanation)
    decision = Decision(
        case_id=case_id,
        kind=kind,
        outcome=outcome,
        reason=reason.strip(),
        decided_by_user_id=by.user_id,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    reason_given = f"{kind}: {outcome}"
    record_rows(session, by, Action.DECIDE, "decision", [decision.id], reason=reason_given)
    if shown is not None:
        explanations.store(session, by, case_id, shown, now, decision_id=decision.id)
    made = _owe(
        session,
        code,
        by,
        case_id,
        kind_of_outcome(outcome),
        now.date(),
        now,
        decision_id=decision.id,
    )
    return decision, made


def mark(session: Session, by: Actor, update_ids: list[int], how: str, now: datetime) -> list[int]:
    """Record that updates were given (`how`: mail, portal or officer); a repeat is a no-op."""
    done = set(
        session.scalars(
            select(VictimUpdateDelivery.update_id).where(
                VictimUpdateDelivery.update_id.in_(update_ids), VictimUpdateDelivery.how == how
            )
        )
    )
    new = [i for i in update_ids if i not in done]
    for update_id in new:
        delivery = VictimUpdateDelivery(update_id=update_id, how=how, at=now, by_user_id=by.user_id)
        session.add(delivery)
        record(session, by, Action.DISCLOSE, "victim_update", update_id, reason=f"given: {how}")
    return new


def note_sent_mail(db: Database, now: datetime) -> int:
    """For the worker: updates whose mail has gone out are given."""
    sent = exists().where(
        OutboundMail.key.like(
            literal(f"{MAIL_KEY}:") + cast(VictimUpdate.id, String) + literal(":%")
        ),
        OutboundMail.sent_at.is_not(None),
    )
    mailed = exists().where(
        VictimUpdateDelivery.update_id == VictimUpdate.id, VictimUpdateDelivery.how == "mail"
    )
    with db.transaction() as session:
        ids = list(session.scalars(select(VictimUpdate.id).where(sent, ~mailed).limit(500)))
        return len(mark(session, Actor.system("worker"), ids, "mail", now))


@dataclass(frozen=True)
class OwedUpdate:
    """An update as the officer in charge sees it: which case, what, by when, given or not."""

    id: int
    case_reference: str
    kind: str
    occurred_on: date
    text: str
    enhanced: bool
    due_at: datetime
    given_how: tuple[str, ...]

    def overdue(self, now: datetime) -> bool:
        return not self.given_how and now >= self.due_at


def owed(session: Session, case_condition: object, limit: int = 200) -> list[OwedUpdate]:
    """Updates on the cases matching `case_condition` (a policy condition on `cases`), not yet
    given first, oldest deadline first."""
    rows = session.execute(
        select(VictimUpdate, Case.reference)
        .join(Case, Case.id == VictimUpdate.case_id)
        .where(case_condition)  # type: ignore[arg-type]
        .order_by(VictimUpdate.due_at, VictimUpdate.id)
        .limit(limit)
    ).all()
    ids = [u.id for u, _ in rows]
    how: dict[int, list[str]] = {}
    for update_id, way in session.execute(
        select(VictimUpdateDelivery.update_id, VictimUpdateDelivery.how).where(
            VictimUpdateDelivery.update_id.in_(ids)
        )
    ):
        how.setdefault(update_id, []).append(way)
    found = [
        OwedUpdate(
            u.id,
            reference,
            u.kind,
            u.occurred_on,
            u.text,
            u.enhanced,
            aware(u.due_at),
            tuple(sorted(how.get(u.id, []))),
        )
        for u, reference in rows
    ]
    return sorted(found, key=lambda u: (bool(u.given_how), u.due_at))
