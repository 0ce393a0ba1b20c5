"""What a survivor sees of their own case, in plain English: its status, what was decided and
why, who to contact, what happens next, the updates they are owed, and their requests for a
review. Nothing about any other person: other victims and witnesses are not mentioned, a
suspect is "the person suspected", and no text staff wrote for staff is shown: a decision's
reasons reach the survivor only as the explanation written for them (caselink.survivors.
explanations), checked to name nobody else before it was stored."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.ledger import record_read
from caselink.reporting.clock import aware
from caselink.store.models import (
    Agency,
    Case,
    CaseAssignment,
    CaseParticipant,
    Decision,
    PersonRecord,
    ReviewRequest,
    SurvivorLink,
    User,
    VictimUpdate,
)
from caselink.survivors import explanations, review, updates
from caselink.survivors.victims_code import VictimsCode
from caselink.survivors.workdays import last_day, spoken

OUTCOME_WORDS = {
    "no_further_action": "No further action: the police decided not to charge anyone for now",
    "charge": "The person suspected was charged",
    "cautioned": "The person suspected was given a caution",
    "ongoing": "The police are still investigating",
}


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    agency: str


@dataclass(frozen=True)
class DecisionView:
    decided_on: date
    what: str
    why: str


@dataclass(frozen=True)
class UpdateView:
    id: int
    occurred_on: date
    text: str


@dataclass(frozen=True)
class RequestView:
    reference: str
    requested_on: date
    acknowledge_by: date
    decide_by: date
    acknowledged_on: date | None
    decided_on: date | None
    outcome: str | None
    outcome_words: str | None
    reasons: str | None

    @property
    def status(self) -> str:
        if self.decided_on:
            return f"Decided on {spoken(self.decided_on)}"
        if self.acknowledged_on:
            return (
                f"Acknowledged on {spoken(self.acknowledged_on)}. "
                f"A decision is due by {spoken(self.decide_by)}."
            )
        return (
            f"Received on {spoken(self.requested_on)}. It will be acknowledged by "
            f"{spoken(self.acknowledge_by)} and decided by {spoken(self.decide_by)}."
        )


@dataclass(frozen=True)
class ReviewChance:
    """Whether the survivor can ask for a review now, and until when."""

    decided_on: date
    last_day: date
    open: bool
    requested: RequestView | None


@dataclass(frozen=True)
class MyCase:
    reference: str
    your_name: str | None
    status: str
    closure_reason: str | None
    suspects: int
    decisions: list[DecisionView]
    contact: Contact | None
    next_steps: list[str]
    updates: list[UpdateView]
    review: ReviewChance | None
    requests: list[RequestView] = field(default_factory=list)


def link_of(session: Session, p: Principal) -> SurvivorLink | None:
    """The survivor's own case (the first, if an advocate is linked to more than one)."""
    if not policy.may_use_portal(p):
        return None
    return session.scalar(
        select(SurvivorLink).where(SurvivorLink.user_id == p.user_id).order_by(SurvivorLink.id)
    )


def _words(outcome: str | None) -> str:
    kind = updates.kind_of_outcome(outcome or "")
    return OUTCOME_WORDS.get(kind, (outcome or "").replace("_", " ").capitalize())


def _status(case: Case) -> str:
    if case.status == "open":
        return "Open: the police are investigating"
    return {
        "no_further_action": "Closed with no further action",
        "charge": "Closed: the person suspected was charged",
        "cautioned": "Closed: the person suspected was given a caution",
    }.get(updates.kind_of_outcome(case.outcome or ""), "Closed")


def _contact(session: Session, case_id: int) -> Contact | None:
    """The officer in charge: the police officer assigned to the case longest."""
    found = session.execute(
        select(User.display_name, User.email, Agency.name)
        .join(CaseAssignment, CaseAssignment.user_id == User.id)
        .join(Agency, Agency.id == User.agency_id)
        .where(
            CaseAssignment.case_id == case_id,
            CaseAssignment.ended_at.is_(None),
            User.role == "safeguarding_officer",
            User.active.is_(True),
        )
        .order_by(CaseAssignment.assigned_at, CaseAssignment.id)
    ).first()
    return Contact(*found) if found else None


def request_views(session: Session, requests: list[ReviewRequest]) -> list[RequestView]:
    """The survivor's requests; a decided one's reasons are the explanation written for
    them (never the reviewer's own reasons), or a fixed sentence where there is none."""
    done = {r.id: review.steps(session, r.id) for r in requests}
    decided = [d["decide"].id for d in done.values() if "decide" in d]
    written = explanations.for_review_steps(session, decided)
    views = []
    for r in requests:
        ack, dec = done[r.id].get("acknowledge"), done[r.id].get("decide")
        reasons = None
        if dec is not None:
            reasons = written.get(dec.id) or explanations.REVIEW_NO_EXPLANATION.format(
                date=spoken(aware(dec.at).date())
            )
        views.append(
            RequestView(
                reference=r.reference,
                requested_on=aware(r.requested_at).date(),
                acknowledge_by=last_day(r.acknowledge_by),
                decide_by=last_day(r.decide_by),
                acknowledged_on=aware(ack.at).date() if ack else None,
                decided_on=aware(dec.at).date() if dec else None,
                outcome=dec.outcome if dec else None,
                outcome_words=review.OUTCOMES[dec.outcome] if dec and dec.outcome else None,
                reasons=reasons,
            )
        )
    return views


def decision_explanations(session: Session, decisions: list[Decision]) -> list[str]:
    """What a survivor is told about each decision: its explanation, or a fixed sentence."""
    written = explanations.for_decisions(session, [d.id for d in decisions])
    return [
        written.get(d.id)
        or explanations.NO_EXPLANATION.format(date=spoken(aware(d.decided_at).date()))
        for d in decisions
    ]


def closure_words(case_closure_reason: str | None) -> str | None:
    """A closed case's reasons are staff text: the survivor is told they exist, not them."""
    return explanations.CLOSURE if case_closure_reason else None


def read_my_case(session: Session, p: Principal, code: VictimsCode, now: datetime) -> MyCase | None:
    """The survivor's case as the portal shows it; reading it is ledgered, and the updates
    shown count as given (read in the portal)."""
    link = link_of(session, p)
    if link is None:
        return None
    case = session.get(Case, link.case_id)
    assert case is not None
    record_read(session, p.actor, "case", case.id, reason="survivor portal")
    own = session.get(PersonRecord, link.person_record_id) if link.person_record_id else None
    suspects = session.scalar(
        select(CaseParticipant.id)
        .where(CaseParticipant.case_id == case.id, CaseParticipant.role == "suspect")
        .limit(1)
    )
    made = list(
        session.scalars(
            select(Decision).where(Decision.case_id == case.id).order_by(Decision.decided_at)
        )
    )
    decisions = [
        DecisionView(aware(d.decided_at).date(), _words(d.outcome), why)
        for d, why in zip(made, decision_explanations(session, made), strict=True)
    ]
    mine = list(
        session.scalars(
            select(VictimUpdate)
            .where(
                VictimUpdate.case_id == case.id,
                VictimUpdate.person_record_id == link.person_record_id,
            )
            .order_by(VictimUpdate.occurred_on.desc(), VictimUpdate.id.desc())
        )
    )
    updates.mark(session, p.actor, [u.id for u in mine], "portal", now)
    requests = request_views(
        session,
        list(
            session.scalars(
                select(ReviewRequest)
                .where(
                    ReviewRequest.case_id == case.id,
                    ReviewRequest.person_record_id == link.person_record_id,
                )
                .order_by(ReviewRequest.requested_at.desc())
            )
        ),
    )
    chance = None
    found = review.offer(session, code, case.id)
    if found is not None and link.person_record_id is not None:
        asked = session.scalar(
            select(ReviewRequest.reference).where(
                ReviewRequest.decision_id == found.decision_id,
                ReviewRequest.person_record_id == link.person_record_id,
            )
        )
        chance = ReviewChance(
            found.decided_on,
            found.last_day,
            found.open(now.date()),
            next((r for r in requests if r.reference == asked), None),
        )
    return MyCase(
        reference=case.reference,
        your_name=" ".join(n for n in (own.given_name, own.family_name) if n) if own else None,
        status=_status(case),
        closure_reason=closure_words(case.closure_reason),
        suspects=1 if suspects else 0,
        decisions=decisions,
        contact=_contact(session, case.id),
        next_steps=_next_steps(case, code, chance, requests),
        updates=[UpdateView(u.id, u.occurred_on, u.text) for u in mine],
        review=chance,
        requests=requests,
    )


def _next_steps(
    case: Case, code: VictimsCode, chance: ReviewChance | None, requests: list[RequestView]
) -> list[str]:
    steps = []
    pending = [r for r in requests if r.decided_on is None]
    for r in pending:
        steps.append(f"Your request for a review ({r.reference}): {r.status}")
    if chance and chance.open and chance.requested is None:
        steps.append(
            "You can ask for the decision not to charge to be reviewed until "
            f"{spoken(chance.last_day)}."
        )
    if case.status == "open":
        fastest = min((e.enhanced_working_days for e in code.updates.values()), default=1)
        steps.append(
            "The police will tell you if the person suspected is arrested, interviewed, "
            "released on bail or under investigation, or charged, or if they decide to take "
            f"no further action, within {fastest} working day{'s' if fastest != 1 else ''}."
        )
    elif updates.kind_of_outcome(case.outcome or "") == "charge":
        steps.append("The Witness Care Unit will contact you about the court case.")
    steps.append(
        "If something changes for you, or you feel unsafe, contact your officer (under "
        "'Your contact' above). If you are in danger now, call 999."
    )
    return steps


def request_of(session: Session, p: Principal, reference: str) -> ReviewRequest | None:
    """One of the survivor's own requests by its reference; None for anyone else's."""
    return session.scalar(
        select(ReviewRequest).where(ReviewRequest.reference == reference, policy.review_requests(p))
    )
