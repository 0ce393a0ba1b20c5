"""The Victims' Right to Review: a victim asks for a decision not to charge to be looked at
again, within a window of the decision; the request is acknowledged and decided on clocks by
an officer who is MORE SENIOR than, and INDEPENDENT of, the one who made the decision.

Seniority is the supervisor chain (users.supervisor_id): a reviewer must be above the decision
maker in it (or, when the decision maker is not recorded, above the officer in charge). It
is the relation the service already keeps and that escalation already climbs, and it needs no
table of ranks that would drift from the forces' own. Independence: the reviewer is not, and
never was, assigned to the case, and did not make the decision. The reviewer works for the
police force whose area the case is in: another force cannot decide it."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caselink.access import policy
from caselink.access.principal import Principal
from caselink.domain import AgencyKind, Role
from caselink.ledger import Action, record
from caselink.reporting import notices
from caselink.reporting.clock import aware
from caselink.reporting.notices import SIGN_OFF, queue_mail
from caselink.store.models import (
    Agency,
    Case,
    CaseAssignment,
    Decision,
    ReviewRequest,
    ReviewRequestStep,
    SurvivorLink,
    User,
)
from caselink.survivors import explanations
from caselink.survivors.updates import kind_of_outcome
from caselink.survivors.victims_code import VictimsCode
from caselink.survivors.workdays import add_months, add_working_days, due_on, end_of, spoken

OUTCOMES = {
    "upheld": "The review found that the decision was right. It stays as it is.",
    "overturned": (
        "The review found that the decision was wrong. The police will look at the case "
        "again, and your contact will tell you what happens next."
    ),
}
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CONTROL = {c: None for c in range(32) if c not in (9, 10)}  # keep tabs and new lines
MAX_CHAIN = 20


class ReviewProblem(ValueError):
    """A request or an answer that cannot be accepted; `field` names what to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotAllowed(Exception):
    """This officer may not act on this request (the message says why)."""


def clean_text(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").translate(_CONTROL).strip()


@dataclass(frozen=True)
class Offer:
    """A decision the victim may ask to have reviewed, and until when."""

    decision_id: int
    outcome: str
    decided_on: date
    last_day: date

    def open(self, today: date) -> bool:
        return today <= self.last_day


def offer(session: Session, code: VictimsCode, case_id: int) -> Offer | None:
    """The newest reviewable decision on the case (a decision not to charge)."""
    for decision in session.scalars(
        select(Decision).where(Decision.case_id == case_id).order_by(Decision.decided_at.desc())
    ):
        if kind_of_outcome(decision.outcome) in code.review.reviewable_outcomes:
            decided_on = aware(decision.decided_at).date()
            last = add_months(decided_on, code.review.request_within_months)
            return Offer(decision.id, decision.outcome, decided_on, last)
    return None


def _reference() -> str:
    return "VRR-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def request_review(
    session: Session,
    p: Principal,
    code: VictimsCode,
    link: SurvivorLink,
    reason: str,
    now: datetime,
) -> ReviewRequest:
    """The victim asks; nothing is stored unless the whole request is acceptable."""
    reason = clean_text(reason)
    limit = code.review.reason_max_chars
    if not reason:
        raise ReviewProblem("reason", "Enter why you think the decision should be reviewed")
    if len(reason) > limit:
        raise ReviewProblem("reason", f"Your reason must be {limit:,} characters or fewer")
    found = offer(session, code, link.case_id)
    if found is None or link.person_record_id is None:
        raise ReviewProblem("reason", "There is no decision not to charge on your case to review")
    if not found.open(now.date()):
        raise ReviewProblem(
            "reason", f"The time to ask for a review ended on {spoken(found.last_day)}"
        )
    if session.scalar(
        select(ReviewRequest.id).where(
            ReviewRequest.decision_id == found.decision_id,
            ReviewRequest.person_record_id == link.person_record_id,
        )
    ):
        raise ReviewProblem("reason", "You have already asked for this decision to be reviewed")
    windows = code.review
    request = ReviewRequest(
        reference=_reference(),
        case_id=link.case_id,
        decision_id=found.decision_id,
        person_record_id=link.person_record_id,
        requested_by_user_id=p.user_id,
        reason=reason,
        requested_at=now,
        acknowledge_by=end_of(
            add_working_days(
                now.date(), windows.acknowledge_within_working_days, code.bank_holidays
            )
        ),
        decide_by=end_of(now.date() + timedelta(days=windows.decide_within_days)),
    )
    session.add(request)
    session.flush()
    record(session, p.actor, Action.CREATE, "review_request", request.reference)
    case_reference = session.scalar(select(Case.reference).where(Case.id == link.case_id))
    alert(
        session,
        reviewers(session, request),
        request,
        f"A victim has asked for the decision on case {case_reference} to be reviewed "
        f"({request.reference}). Acknowledge it by {due_on(request.acknowledge_by)}.",
        f"review-request:{request.id}:new",
        now,
    )
    return request


# --- Who may acknowledge and decide --------------------------------------------------------


def _involved(session: Session, request: ReviewRequest) -> tuple[set[int], int | None]:
    assigned = set(
        session.scalars(
            select(CaseAssignment.user_id).where(CaseAssignment.case_id == request.case_id)
        )
    )
    maker = session.scalar(
        select(Decision.decided_by_user_id).where(Decision.id == request.decision_id)
    )
    return assigned | ({maker} if maker else set()), maker


def _above(session: Session, anchors: set[int]) -> set[int]:
    """Everyone above `anchors` in the supervisor chain."""
    seniors: set[int] = set()
    frontier = anchors
    for _ in range(MAX_CHAIN):
        bosses = session.scalars(
            select(User.supervisor_id).where(User.id.in_(frontier), User.supervisor_id.is_not(None))
        )
        frontier = {b for b in bosses if b is not None} - seniors - anchors
        if not frontier:
            break
        seniors |= frontier
    return seniors


def _seniors(session: Session, request: ReviewRequest) -> tuple[set[int], set[int]]:
    involved, maker = _involved(session, request)
    if maker is not None:
        anchors = {maker}
    else:
        anchors = set(
            session.scalars(
                select(CaseAssignment.user_id).where(
                    CaseAssignment.case_id == request.case_id, CaseAssignment.ended_at.is_(None)
                )
            )
        )
    if anchors:
        return _above(session, anchors), involved
    # Nobody recorded on the case: anyone who supervises others is senior enough.
    bosses = select(User.supervisor_id).where(User.supervisor_id.is_not(None))
    return {b for b in session.scalars(bosses) if b is not None}, involved


def reviewers(session: Session, request: ReviewRequest) -> list[User]:
    """The officers who may acknowledge and decide this request."""
    seniors, involved = _seniors(session, request)
    force_area = session.scalar(select(Case.force_area_id).where(Case.id == request.case_id))
    return list(
        session.scalars(
            select(User)
            .join(Agency, Agency.id == User.agency_id)
            .where(
                User.id.in_(seniors - involved),
                User.active.is_(True),
                User.role == Role.SAFEGUARDING_OFFICER.value,
                Agency.kind == AgencyKind.POLICE_FORCE.value,
                Agency.area_id == force_area,
            )
            .order_by(User.id)
        )
    )


def refusal(session: Session, p: Principal, request: ReviewRequest) -> str | None:
    """Why `p` may not acknowledge or decide this request; None if they may."""
    if not policy.may_work_review_requests(p):
        return "Only a police officer may acknowledge or decide a request for a review."
    force_area = session.scalar(select(Case.force_area_id).where(Case.id == request.case_id))
    if p.force_area_id != force_area:
        return "The request is for another force's case: that force must review it."
    seniors, involved = _seniors(session, request)
    if p.user_id in involved:
        return (
            "You were involved in the case or the decision. The review must be made by "
            "someone independent of it."
        )
    if p.user_id not in seniors:
        return "The review must be made by an officer more senior than the one who decided."
    return None


# --- Acknowledging and deciding -------------------------------------------------------------


def _allowed(session: Session, p: Principal, request: ReviewRequest) -> None:
    """Refuse (and put the attempt on the record) unless `p` may act on the request."""
    why_not = refusal(session, p, request)
    if why_not:
        ref = request.reference
        record(session, p.actor, Action.ATTEMPT, "review_request", ref, reason=why_not)
        raise NotAllowed(why_not)


def steps(session: Session, request_id: int) -> dict[str, ReviewRequestStep]:
    return {
        s.kind: s
        for s in session.scalars(
            select(ReviewRequestStep).where(ReviewRequestStep.request_id == request_id)
        )
    }


def acknowledge(session: Session, p: Principal, request: ReviewRequest, now: datetime) -> None:
    _allowed(session, p, request)
    if "acknowledge" in steps(session, request.id):
        raise ReviewProblem("acknowledge", "The request has already been acknowledged")
    _step(session, p, request, "acknowledge", None, None, now)
    record(session, p.actor, Action.ACKNOWLEDGE, "review_request", request.reference)
    _tell_victim(session, request, "acknowledged", now)


def decide(
    session: Session,
    p: Principal,
    code: VictimsCode,
    request: ReviewRequest,
    outcome: str,
    reason: str,
    now: datetime,
    explanation: str | None = None,
) -> None:
    """Decide the review. `reason` is for staff; `explanation` is what the victim is told,
    checked to name nobody else in the case (see caselink.survivors.explanations)."""
    _allowed(session, p, request)
    reason = clean_text(reason)
    if outcome not in OUTCOMES:
        raise ReviewProblem("outcome", "Select whether the decision is upheld or overturned")
    if not reason:
        raise ReviewProblem("reason", "Enter the reasons for the review's decision")
    if len(reason) > code.review.reason_max_chars:
        raise ReviewProblem(
            "reason", f"The reasons must be {code.review.reason_max_chars:,} characters or fewer"
        )
    try:
        shown = explanations.checked(
            session, request.case_id, request.person_record_id, explanation
        )
    except explanations.ExplanationRefused as refused:
        raise ReviewProblem(refused.field, refused.message) from None
    done = steps(session, request.id)
    if "decide" in done:
        raise ReviewProblem("outcome", "The request has already been decided")
    if "acknowledge" not in done:  # deciding is also acknowledging
        _step(session, p, request, "acknowledge", None, None, now)
        record(session, p.actor, Action.ACKNOWLEDGE, "review_request", request.reference)
    step = _step(session, p, request, "decide", outcome, reason, now)
    record(session, p.actor, Action.DECIDE, "review_request", request.reference, reason=outcome)
    explanations.store(session, p.actor, request.case_id, shown, now, review_step_id=step.id)
    _tell_victim(session, request, "decided", now)


def _step(
    session: Session,
    p: Principal,
    request: ReviewRequest,
    kind: str,
    outcome: str | None,
    reason: str | None,
    now: datetime,
) -> ReviewRequestStep:
    step = ReviewRequestStep(
        request_id=request.id,
        kind=kind,
        outcome=outcome,
        reason=reason,
        actor_user_id=p.user_id,
        at=now,
    )
    session.add(step)
    session.flush()
    return step


def _tell_victim(session: Session, request: ReviewRequest, what: str, now: datetime) -> None:
    """A mail with no details (a victim's inbox is not always private): sign in to see it."""
    accounts = session.scalars(
        select(User)
        .join(SurvivorLink, SurvivorLink.user_id == User.id)
        .where(
            SurvivorLink.case_id == request.case_id,
            SurvivorLink.person_record_id == request.person_record_id,
            User.active.is_(True),
        )
    ).all()
    for user in accounts:
        queue_mail(
            session,
            f"review-request:{request.id}:{what}:user:{user.id}",
            user.email,
            "News about your request for a review",
            f"Your request for a review ({request.reference}) has been {what}." + SIGN_OFF,
            now,
        )


def alert(
    session: Session,
    people: list[User],
    request: ReviewRequest,
    message: str,
    key: str,
    now: datetime,
) -> None:
    """An alert in caselink and a mail to each officer (the outbox: never lost)."""
    notices.tell(
        session,
        people,
        key=key,
        kind="review_request",
        subject_type="review_request",
        subject_id=request.id,
        subject=f"Victims' Right to Review: {request.reference}",
        message=message,
        now=now,
    )
